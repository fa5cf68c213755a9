package dev.htdemucs.runtime.reference.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The one matrix-multiply engine of the reference runtime, shared by {@code conv}, {@code conv_transpose},
 * {@code linear} and {@code matmul}: {@code C[m×n] += A[m×k] · B[k×n]} in float32.
 *
 * <p>Blocking: the output is cut into tiles of up to {@value #N_BLOCK} columns (and, when there is too
 * little work per thread, into row bands); tiles run in parallel. Within a tile, B is copied
 * {@value #K_BLOCK} rows at a time into a panel (about half an L2 cache) that every row of A then sweeps.
 * B never has to exist as a matrix: a {@link PanelSource} writes panels on demand, which is how
 * convolutions avoid materialising their im2col matrix.
 *
 * <p>Why the inner loop looks the way it does: the panel is an array of row arrays and each C row is
 * accumulated in a separate scratch row, so that every access in the hot loop is {@code array[j]}. The
 * JDK 17 JIT vectorises such a loop (about 3× the speed of the same loop on offsets into one array,
 * which it cannot align and leaves scalar); handling one row of A and four panel rows per pass is the
 * fastest form it still vectorises.
 *
 * <p>Numerics: products and sums are float32; each C element accumulates its k terms in order, four at a
 * time ({@code c + (((a0·b0 + a1·b1) + a2·b2) + a3·b3)}), like a blocked BLAS. The order does not depend
 * on the tiling or the number of threads, so results are reproducible. (A narrow product, computed
 * transposed, adds its sum to C's starting value at the end instead.) A must be row-major with
 * contiguous rows; C must be zeroed (or hold the bias) before the call.
 */
public final class MatMulCore {
    public static final int K_BLOCK = 128;
    public static final int N_BLOCK = 512;
    /** Products with fewer columns than this (and many more rows) are computed transposed. */
    private static final int NARROW = 64;
    /** Below this many rows a row band is not worth its own task. */
    private static final int MIN_BAND_ROWS = 16;

    private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[K_BLOCK][N_BLOCK]);
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[N_BLOCK]);

    private MatMulCore() {}

    /** Supplies blocks of the right-hand matrix B. */
    @FunctionalInterface
    public interface PanelSource {
        /** Writes {@code B[k0 + r][n0 + j]} to {@code panel[r][j]} for {@code r < kb}, {@code j < nb}. */
        void pack(int k0, int kb, int n0, int nb, float[][] panel);
    }

    /**
     * One product {@code C += A · B}: A is {@code m×k} at {@code a[aOffset + i·lda + p]}, C is {@code m×n}
     * at {@code c[cOffset + i·ldc + j]}.
     */
    public record Product(int m, int n, int k, float[] a, int aOffset, int lda, PanelSource b,
                          float[] c, int cOffset, int ldc) {}

    /** B stored densely: {@code B[p][j] = b[offset + p·rowStride + j·colStride]} (a transposed B has colStride ≠ 1). */
    public static PanelSource dense(float[] b, int offset, int rowStride, int colStride) {
        return new Dense(b, offset, rowStride, colStride);
    }

    public static void multiplyAdd(Parallel parallel, Product product) {
        multiplyAdd(parallel, List.of(product));
    }

    /** Runs all products (they must write disjoint parts of C), spread over the threads. */
    public static void multiplyAdd(Parallel parallel, List<Product> products) {
        List<Product> direct = new ArrayList<>(products.size());
        List<Product> narrow = new ArrayList<>();
        for (Product p : products) (isNarrow(p) ? narrow : direct).add(p);
        if (!narrow.isEmpty()) {
            List<Product> transposed = new ArrayList<>(narrow.size());
            for (Product p : narrow) transposed.add(transposed(p));
            run(parallel, transposed);
            for (int i = 0; i < narrow.size(); i++) addTransposed(parallel, transposed.get(i).c(), narrow.get(i));
        }
        run(parallel, direct);
    }

    /**
     * A product with only a few columns (attention's scores·V: n = head size) would run the vector loop
     * over a few dozen elements; it is computed as Cᵀ = Bᵀ·Aᵀ instead, into a scratch matrix added to C.
     */
    private static boolean isNarrow(Product p) {
        return p.n() < NARROW && p.m() >= 4 * p.n() && p.k() >= K_BLOCK / 2;
    }

    /** {@code Bᵀ·Aᵀ} into a zeroed n×m scratch: Bᵀ is copied row-major, Aᵀ is read transposed in place. */
    private static Product transposed(Product p) {
        int m = p.m(), n = p.n(), k = p.k();
        float[] bT = new float[n * k];
        float[][] panel = new float[K_BLOCK][n];
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int kb = Math.min(K_BLOCK, k - k0);
            p.b().pack(k0, kb, 0, n, panel);
            for (int r = 0; r < kb; r++) {
                float[] row = panel[r];
                for (int j = 0; j < n; j++) bT[j * k + k0 + r] = row[j];
            }
        }
        return new Product(n, m, k, bT, 0, k, dense(p.a(), p.aOffset(), 1, p.lda()), new float[n * m], 0, m);
    }

    /** {@code C += Tᵀ} for the n×m scratch T of a narrow product. */
    private static void addTransposed(Parallel parallel, float[] t, Product p) {
        int m = p.m(), n = p.n();
        float[] c = p.c();
        parallel.forChunks(m, 256, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = p.cOffset() + i * p.ldc();
                for (int j = 0; j < n; j++) c[row + j] += t[j * m + i];
            }
        });
    }

    private static void run(Parallel parallel, List<Product> products) {
        if (products.isEmpty()) return;
        long columnTiles = 0;
        for (Product p : products) columnTiles += ceilDiv(p.n(), N_BLOCK);
        long wanted = parallel.threads() == 1 ? 1 : 8L * parallel.threads();
        int bandsPerTile = (int) Math.max(1, ceilDiv(wanted, Math.max(1, columnTiles)));

        int[] tiles = new int[16];
        int count = 0;
        for (int pi = 0; pi < products.size(); pi++) {
            Product p = products.get(pi);
            if (p.m() == 0 || p.n() == 0 || p.k() == 0) continue;
            int bands = (int) Math.max(1, Math.min(bandsPerTile, p.m() / MIN_BAND_ROWS));
            int bandRows = (int) ceilDiv(p.m(), bands);
            for (int m0 = 0; m0 < p.m(); m0 += bandRows) {
                for (int n0 = 0; n0 < p.n(); n0 += N_BLOCK) {
                    if (count + 4 > tiles.length) tiles = java.util.Arrays.copyOf(tiles, tiles.length * 2);
                    tiles[count++] = pi;
                    tiles[count++] = m0;
                    tiles[count++] = Math.min(p.m(), m0 + bandRows);
                    tiles[count++] = n0;
                }
            }
        }
        int[] t = tiles;
        parallel.forEach(count / 4, i -> {
            Product p = products.get(t[4 * i]);
            runTile(p, t[4 * i + 1], t[4 * i + 2], t[4 * i + 3], Math.min(p.n(), t[4 * i + 3] + N_BLOCK));
        });
    }

    private static void runTile(Product p, int m0, int m1, int n0, int n1) {
        float[][] panel = PANEL.get();
        float[] row = ROW.get();
        int nb = n1 - n0;
        for (int k0 = 0; k0 < p.k(); k0 += K_BLOCK) {
            int kb = Math.min(K_BLOCK, p.k() - k0);
            p.b().pack(k0, kb, n0, nb, panel);
            sweep(p.a(), p.aOffset() + m0 * p.lda() + k0, p.lda(), m1 - m0, panel, kb, nb,
                    p.c(), p.cOffset() + m0 * p.ldc() + n0, p.ldc(), row);
        }
    }

    /** {@code C[i][j] += Σ_p A[i][p] · panel[p][j]} for {@code rows × nb}, one row and four p at a time. */
    static void sweep(float[] a, int aOff, int lda, int rows, float[][] panel, int kb, int nb,
                      float[] c, int cOff, int ldc, float[] acc) {
        for (int i = 0; i < rows; i++) {
            int ar = aOff + i * lda, cr = cOff + i * ldc;
            System.arraycopy(c, cr, acc, 0, nb);
            int p = 0;
            for (; p + 3 < kb; p += 4) {
                float x0 = a[ar + p], x1 = a[ar + p + 1], x2 = a[ar + p + 2], x3 = a[ar + p + 3];
                float[] q0 = panel[p], q1 = panel[p + 1], q2 = panel[p + 2], q3 = panel[p + 3];
                for (int j = 0; j < nb; j++) acc[j] += x0 * q0[j] + x1 * q1[j] + x2 * q2[j] + x3 * q3[j];
            }
            for (; p < kb; p++) {
                float x0 = a[ar + p];
                float[] q0 = panel[p];
                for (int j = 0; j < nb; j++) acc[j] += x0 * q0[j];
            }
            System.arraycopy(acc, 0, c, cr, nb);
        }
    }

    private static long ceilDiv(long x, long y) { return (x + y - 1) / y; }

    private record Dense(float[] b, int offset, int rowStride, int colStride) implements PanelSource {
        @Override public void pack(int k0, int kb, int n0, int nb, float[][] panel) {
            if (colStride == 1) {
                for (int r = 0; r < kb; r++) System.arraycopy(b, offset + (k0 + r) * rowStride + n0, panel[r], 0, nb);
            } else if (rowStride == 1) {
                // B is a transposed row-major matrix: read each of its rows contiguously.
                for (int j = 0; j < nb; j++) {
                    int src = offset + (n0 + j) * colStride + k0;
                    for (int r = 0; r < kb; r++) panel[r][j] = b[src + r];
                }
            } else {
                for (int r = 0; r < kb; r++) {
                    int src = offset + (k0 + r) * rowStride + n0 * colStride;
                    float[] dst = panel[r];
                    for (int j = 0; j < nb; j++) dst[j] = b[src + j * colStride];
                }
            }
        }
    }
}
