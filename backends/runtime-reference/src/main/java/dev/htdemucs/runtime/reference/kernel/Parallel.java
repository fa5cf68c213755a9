package dev.htdemucs.runtime.reference.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The threads kernels may use: a private {@link ForkJoinPool} (or none, for one thread). Work is handed
 * out as independent, coarse tasks {@code 0 … count-1}; each task writes its own part of the output.
 */
public final class Parallel implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    private Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    private static final Parallel SEQUENTIAL = new Parallel(1);

    /** Runs everything on the calling thread (shared; closing it does nothing). */
    public static Parallel sequential() { return SEQUENTIAL; }

    public static Parallel withThreads(int threads) { return new Parallel(threads); }

    public int threads() { return threads; }

    /** Runs {@code task.accept(i)} for every {@code i} in {@code [0, count)}, in parallel when it pays. */
    public void forEach(int count, IntConsumer task) {
        if (count <= 0) return;
        if (pool == null || count == 1) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        pool.invoke(new Range(0, count, task));
    }

    /**
     * Splits {@code [0, length)} into about {@code threads × 4} chunks of at least {@code minChunk}
     * elements and runs {@code task.accept(from, to)} on each.
     */
    public void forChunks(int length, int minChunk, ChunkTask task) {
        if (length <= 0) return;
        int chunks = (int) Math.max(1, Math.min((long) threads * 4, length / (long) Math.max(1, minChunk)));
        int size = (length + chunks - 1) / chunks;
        int count = (length + size - 1) / size;
        forEach(count, c -> task.accept(c * size, Math.min(length, (c + 1) * size)));
    }

    /** A half-open range of work. */
    @FunctionalInterface
    public interface ChunkTask {
        void accept(int from, int to);
    }

    @Override public void close() {
        if (pool != null) pool.shutdown();
    }

    private static final class Range extends RecursiveAction {
        private final int from, to;
        private final IntConsumer task;

        Range(int from, int to, IntConsumer task) {
            this.from = from;
            this.to = to;
            this.task = task;
        }

        @Override protected void compute() {
            if (to - from == 1) {
                task.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(from, mid, task), new Range(mid, to, task));
        }
    }
}
