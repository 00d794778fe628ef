package jgpt;

/**
 * A mistake the user can fix (bad file, bad flag, mismatched model): the CLI prints its message as one
 * line, {@code jgpt: <message>}, and exits with code 2, without a stack trace. Say what was wrong and what to do.
 */
public class UserError extends RuntimeException {
    public UserError(String message) { super(message); }
    public UserError(String message, Throwable cause) { super(message, cause); }
}
