package dev.htdemucs.bench.jmh;

import dev.htdemucs.numerics.Signals;
import dev.htdemucs.runtime.reference.kernel.MatMulCore;
import dev.htdemucs.runtime.reference.kernel.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The reference runtime's matrix-multiply core ({@link MatMulCore}, behind conv, linear and matmul) on the
 * products htdemucs_6s's cross-transformer computes, as {@code MxNxK} (C[M×N] += A[M×K]·B[K×N]):
 * the feed-forward linears of the 2688-token spectral branch (2688×1536×384, 2688×384×1536), one head of
 * attention scores (2688×2688×48) and attention·values (2688×48×2688, a "narrow" product computed transposed).
 * The score reports milliseconds per product; GFLOP/s = 2·M·N·K / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MatMulCoreBenchmarks {
    @Param({"2688x1536x384", "2688x384x1536", "2688x2688x48", "2688x48x2688"}) String shape;
    @Param({"1", "2"}) int threads;

    private Parallel parallel;
    private float[] a, b, c;
    private int m, n, k;

    @Setup public void setUp() {
        int[] mnk = Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        m = mnk[0];
        n = mnk[1];
        k = mnk[2];
        a = Signals.noise(1, m * k, 1, 1);
        b = Signals.noise(1, k * n, 1, 2);
        c = new float[m * n];
        parallel = Parallel.withThreads(threads);
    }

    @TearDown(Level.Trial) public void tearDown() {
        parallel.close();
    }

    @Benchmark public float[] multiplyAdd() {
        Arrays.fill(c, 0f);
        MatMulCore.multiplyAdd(parallel, new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(b, 0, n, 1), c, 0, n));
        return c;
    }
}
