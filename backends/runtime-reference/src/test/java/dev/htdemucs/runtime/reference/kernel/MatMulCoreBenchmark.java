package dev.htdemucs.runtime.reference.kernel;

import java.util.Random;

/**
 * Throughput of {@link MatMulCore} on shapes from htdemucs_6s (a benchmark, not a test):
 * {@code java -cp … dev.htdemucs.runtime.reference.kernel.MatMulCoreBenchmark [threads]}.
 */
public final class MatMulCoreBenchmark {
    private MatMulCoreBenchmark() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : java.lang.Runtime.getRuntime().availableProcessors();
        int[][] shapes = { // m, n, k: what they stand for
                {384, 2688, 384},   // linear: transformer projection, 2688 tokens, 384 features (n/k swapped form)
                {96, 43008, 384},   // conv: an encoder layer, Cout × (F·T) × (Cin·K)
                {2688, 2688, 48},   // matmul: attention scores per head
                {2688, 48, 2688},   // matmul: attention · V per head (narrow: computed transposed)
                {48, 2688, 2688},   // the same work in its transposed form
        };
        Random r = new Random(1);
        com.sun.management.OperatingSystemMXBean process =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Parallel parallel = Parallel.withThreads(threads)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
                for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
                MatMulCore.Product p = new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(b, 0, n, 1), c, 0, n);
                for (int w = 0; w < 3; w++) MatMulCore.multiplyAdd(parallel, p);
                int reps = 5;
                long t0 = System.nanoTime(), cpu0 = process.getProcessCpuTime();
                for (int i = 0; i < reps; i++) MatMulCore.multiplyAdd(parallel, p);
                double sec = (System.nanoTime() - t0) / 1e9, cpu = (process.getProcessCpuTime() - cpu0) / 1e9;
                double gflop = 2.0 * m * n * k * reps / 1e9;
                System.out.printf("m=%d n=%d k=%d threads=%d: %.1f GFLOP/s wall, %.1f GFLOP per CPU-second%n",
                        m, n, k, threads, gflop / sec, gflop / cpu);
            }
        }
    }
}
