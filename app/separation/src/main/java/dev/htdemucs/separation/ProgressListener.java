package dev.htdemucs.separation;

/**
 * Told after every run of the network during a separation, on the thread that called
 * {@link Separator#apply}: {@code done} counts from 1 to {@code total}, the number of segments the whole
 * separation runs (all shifts included), which is known before the first run.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    void segmentsDone(int done, int total);
}
