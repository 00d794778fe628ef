package jgpt.tensor;

/** Element type of a model's buffers: F32 for real work, F64 for finite-difference checks. */
public enum DType { F32, F64 }
