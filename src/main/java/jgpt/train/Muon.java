package jgpt.train;

import java.util.ArrayList;
import java.util.List;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.model.Weights;
import jgpt.tensor.Kernels;
import jgpt.tensor.Tensor;

/**
 * Muon (Keller Jordan, 2024): momentum on each weight matrix of the blocks, the update replaced by its
 * nearest semi-orthogonal matrix (approximately U·Vᵀ of its SVD, by a few Newton–Schulz iterations), so every
 * direction of the matrix moves by about the same amount. Everything else — embeddings, positions, the output
 * head, LayerNorm gains, biases — goes to AdamW with its own learning rate, as in the published recipe.
 * <p>
 * Per matrix, with g = the (clipped) gradient, μ = momentum, lrM = the Muon rate:
 * <pre>
 *   buf = μ·buf + g;   u = nesterov ? g + μ·buf : buf
 *   X = u / (‖u‖_F + 1e-7);  5 × { A = X·Xᵀ;  X = a·X + (b·A + c·A²)·X }   (a, b, c) = (3.4445, −4.7750, 2.0315)
 *   W = W·(1 − lrM·wd) − lrM·√max(1, rows/cols)·X
 * </pre>
 * Convention: "rows" and "cols" are PyTorch's for nn.Linear, whose weight is stored (out, in). jgpt stores
 * weights (in, out), the transpose, so rows = out = the second dimension here. The iteration works on the
 * orientation with rows ≤ cols (A is then the smaller Gram matrix), exactly where PyTorch's reference
 * transposes; the result is the same matrix either way up to roundoff, only the scale depends on the convention:
 * √max(1, out/in) = 2 for W1 (C → 4C), 1 for the square attention matrices and W2 — the published choice: an
 * orthogonalised (out × in) update has entries of RMS 1/√max(out, in), and the scale makes that 1/√in for every
 * matrix, whatever its output width. Decay is decoupled and multiplied by the Muon rate
 * (torch.optim.Muon's form), using the run's --weight-decay. The quintic's coefficients trade exactness for
 * speed: each singular value σ of X becomes φ⁵(σ), φ(s) = a·s + b·s³ + c·s⁵, which after 5 steps lies in the band
 * [0.68, 1.20] (φ maps it into itself) for every σ ≥ 0.01 — not at 1, which is all Muon needs; smaller σ stay small.
 * <p>
 * The products run on the model's kernels, so the step is as bit-deterministic as they are; scratch is
 * allocated once. The learning-rate schedule scales both groups: lrM(t) = muonLr · lr(t) / lr.
 */
public final class Muon implements Optimizer {
    static final double NS_A = 3.4445, NS_B = -4.7750, NS_C = 2.0315, NORM_EPS = 1e-7;
    static final int NS_STEPS = 5;

    private final GPT model;
    private final AdamW adam;               // everything that is not a block matrix
    private final double baseLr, muonLr, momentum, weightDecay;
    private final boolean nesterov;
    private final Tensor buf;               // (P) momentum, used at the block matrices' offsets only
    private final int[] matrices;           // spec indices of the block matrices
    private final Tensor[] bufs, x, x2;     // per matrix: its momentum view, two scratch views of its shape
    private final Tensor[] gram, poly;      // per matrix: (m, m) scratch for A and B, m = min(rows, cols)

    public Muon(GPT model, double lr, double muonLr, double momentum, boolean nesterov,
                double beta1, double beta2, double eps, double weightDecay) {
        this.model = model;
        this.baseLr = lr;
        this.muonLr = muonLr;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        var specs = model.layout.specs();
        boolean[] isMatrix = new boolean[specs.size()];
        List<Integer> mats = new ArrayList<>();
        long maxSize = 0, maxGram = 0;
        for (int i = 0; i < specs.size(); i++) {
            isMatrix[i] = blockMatrix(specs.get(i));
            if (!isMatrix[i]) continue;
            mats.add(i);
            int[] s = specs.get(i).shape();
            long m = Math.min(s[0], s[1]);
            maxSize = Math.max(maxSize, specs.get(i).size());
            maxGram = Math.max(maxGram, m * m);
        }
        boolean[] adamTensors = new boolean[specs.size()];
        for (int i = 0; i < adamTensors.length; i++) adamTensors[i] = !isMatrix[i];
        this.adam = new AdamW(model, beta1, beta2, eps, weightDecay, true, adamTensors);
        this.buf = Tensor.zeros(model.dtype, "muon.momentum", model.params.size);
        Weights bv = new Weights(model.layout, buf);
        Tensor sx = Tensor.zeros(model.dtype, "muon.x", (int) maxSize), sx2 = Tensor.zeros(model.dtype, "muon.x2", (int) maxSize);
        Tensor sa = Tensor.zeros(model.dtype, "muon.A", (int) maxGram);
        Tensor sp = Tensor.zeros(model.dtype, "muon.B", (int) maxGram);
        int n = mats.size();
        matrices = new int[n];
        bufs = new Tensor[n]; x = new Tensor[n]; x2 = new Tensor[n];
        gram = new Tensor[n]; poly = new Tensor[n];
        for (int j = 0; j < n; j++) {
            int i = mats.get(j);
            int[] s = specs.get(i).shape();
            int m = Math.min(s[0], s[1]);
            matrices[j] = i;
            bufs[j] = bv.get(i);
            x[j] = sx.view("muon.x", 0, s);
            x2[j] = sx2.view("muon.x2", 0, s);
            gram[j] = sa.view("muon.A", 0, m, m);
            poly[j] = sp.view("muon.B", 0, m, m);
        }
    }

    /** The 2-D weight matrices inside the blocks (W_Q, W_K, W_V, W_O, W1, W2): Muon's; the rest is AdamW's. */
    static boolean blockMatrix(ParamLayout.Spec s) {
        return s.shape().length == 2 && s.layer() >= 0 && switch (s.kind()) {
            case WQ, WK, WV, WO, W1, W2 -> true;
            default -> false;
        };
    }

    /** The Muon scale for a weight stored (in, out): √max(1, rows/cols) with PyTorch's rows = out, cols = in. */
    static double scale(int in, int out) { return Math.sqrt(Math.max(1.0, (double) out / in)); }

    @Override public void step(double lr, double gradScale) {
        adam.step(lr, gradScale);
        double lrM = muonLr * (lr / baseLr);
        var k = model.k;
        var gv = model.gradViews();
        for (int j = 0; j < matrices.length; j++) {
            int i = matrices[j];
            Tensor w = model.w.get(i), g = gv.get(i), b = bufs[j], u = x[j];
            int n = w.size;
            k.scale(b, momentum, n);                        // buf = μ·buf + s·g
            k.scaleAdd(b, g, gradScale, n);
            if (nesterov) {                                 // u = s·g + μ·buf
                u.copyFrom(g);
                if (gradScale != 1) k.scale(u, gradScale, n);
                k.scaleAdd(u, b, momentum, n);
            } else {
                u.copyFrom(b);
            }
            Tensor o = newtonSchulz(k, u, x2[j], gram[j], poly[j]);
            int in = w.shape[0], out = w.shape[1];
            if (weightDecay != 0) k.scale(w, 1 - lrM * weightDecay, n);
            k.scaleAdd(w, o, -lrM * scale(in, out), n);
        }
    }

    /**
     * Newton–Schulz on x, a matrix stored like a weight, (in, out), which it overwrites; next (its shape) and
     * gram, poly ((m, m), m = min(in, out)) are scratch. Returns the one of x, next that holds the result.
     * Wide (in < out): X = the stored matrix, A = X·Xᵀ, X ← a·X + B·X. Otherwise X = the stored matrixᵀ (PyTorch's
     * orientation) and the same steps are written on Y = Xᵀ without transposing: A = Yᵀ·Y, Y ← a·Y + Y·Bᵀ.
     */
    static Tensor newtonSchulz(Kernels k, Tensor x, Tensor next, Tensor gram, Tensor poly) {
        int rows = x.shape[0], cols = x.shape[1], n = x.size;
        boolean wide = rows < cols;
        int m = Math.min(rows, cols), len = Math.max(rows, cols);     // X is (m, len)
        double norm = Math.sqrt(k.sumSquares(x, n));
        k.scale(x, 1 / (norm + NORM_EPS), n);
        Tensor cur = x;
        for (int it = 0; it < NS_STEPS; it++) {
            if (wide) k.matmulNT(gram, cur, cur, m, len, m, false);    // A = X·Xᵀ
            else k.matmulTN(gram, cur, cur, m, len, m, false);         // A = Yᵀ·Y
            k.matmul(poly, gram, gram, m, m, m, false);                 // A²
            k.scale(poly, NS_C, m * m);                                 // B = c·A² + b·A
            k.scaleAdd(poly, gram, NS_B, m * m);
            next.copyFrom(cur);                                         // a·X + B·X
            k.scale(next, NS_A, n);
            if (wide) k.matmul(next, poly, cur, m, m, len, true);
            else k.matmulNT(next, cur, poly, len, m, m, true);
            Tensor t = cur; cur = next; next = t;
        }
        return cur;
    }

    @Override public long steps() { return adam.steps(); }
    @Override public void setSteps(long steps) { adam.setSteps(steps); }
    @Override public List<Tensor> state() { return List.of(adam.state().get(0), adam.state().get(1), buf); }
    @Override public String name() { return "muon"; }
}
