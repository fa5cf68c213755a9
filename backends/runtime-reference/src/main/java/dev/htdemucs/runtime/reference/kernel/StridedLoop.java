package dev.htdemucs.runtime.reference.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Walks a C-ordered output as runs along its innermost axis, giving each run's offset in the output and
 * in up to two strided operands (broadcast, transposed or sliced views). Axes that are contiguous for
 * every operand are merged first, so a bias broadcast over {@code [1, 48, 512, 336]} is 48 runs of
 * 172 032 elements. Runs (or pieces of one long run) are spread over the threads.
 */
final class StridedLoop {
    /** Work handed to one task: at least this many elements when there is that much. */
    private static final int CHUNK = 1 << 15;

    private final int[] dims;
    private final int[] xStrides;
    private final int[] yStrides;
    private final int inner;
    private final long total;

    /** A run of {@code length} outputs from {@code out}, reading operand x from {@code x} (step xStride) and y likewise. */
    @FunctionalInterface
    interface Body {
        void run(int out, int x, int y, int length);
    }

    StridedLoop(int[] shape, int[] xStrides, int[] yStrides) {
        List<int[]> merged = new ArrayList<>(); // {dim, xs, ys}
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            int xs = xStrides[i], ys = yStrides == null ? 0 : yStrides[i];
            if (!merged.isEmpty()) {
                int[] last = merged.get(merged.size() - 1);
                if (last[1] == xs * shape[i] && last[2] == ys * shape[i]) {
                    last[0] *= shape[i];
                    last[1] = xs;
                    last[2] = ys;
                    continue;
                }
            }
            merged.add(new int[] {shape[i], xs, ys});
        }
        if (merged.isEmpty()) merged.add(new int[] {1, 0, 0});
        int r = merged.size();
        dims = new int[r];
        this.xStrides = new int[r];
        this.yStrides = new int[r];
        long t = 1;
        for (int i = 0; i < r; i++) {
            dims[i] = merged.get(i)[0];
            this.xStrides[i] = merged.get(i)[1];
            this.yStrides[i] = merged.get(i)[2];
            t *= dims[i];
        }
        inner = dims[r - 1];
        total = t;
    }

    int xInnerStride() { return xStrides[dims.length - 1]; }
    int yInnerStride() { return yStrides[dims.length - 1]; }

    void forEachRun(Parallel parallel, Body body) {
        if (total == 0) return;
        int runs = (int) (total / inner);
        if (inner >= 2 * CHUNK) {
            int pieces = (inner + CHUNK - 1) / CHUNK;
            int pieceLength = (inner + pieces - 1) / pieces;
            parallel.forEach(runs * pieces, task -> {
                int run = task / pieces, from = (task % pieces) * pieceLength;
                int length = Math.min(pieceLength, inner - from);
                body.run(run * inner + from, xOffset(run) + from * xInnerStride(), yOffset(run) + from * yInnerStride(), length);
            });
        } else {
            int perTask = Math.max(1, CHUNK / inner);
            int tasks = (runs + perTask - 1) / perTask;
            parallel.forEach(tasks, task -> {
                int end = Math.min(runs, (task + 1) * perTask);
                for (int run = task * perTask; run < end; run++) {
                    body.run(run * inner, xOffset(run), yOffset(run), inner);
                }
            });
        }
    }

    private int xOffset(int run) { return offset(run, xStrides); }
    private int yOffset(int run) { return offset(run, yStrides); }

    private int offset(int run, int[] strides) {
        int off = 0;
        for (int i = dims.length - 2; i >= 0 && run > 0; i--) {
            off += (run % dims[i]) * strides[i];
            run /= dims[i];
        }
        return off;
    }
}
