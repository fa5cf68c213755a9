package dev.htdemucs.cli;

import dev.htdemucs.separation.ProgressListener;

import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn in place with {@code \r}: {@code [######              ] 3/10 segments  song.wav}.
 * {@link #finish} ends the line.
 */
final class ProgressBar implements ProgressListener {
    static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    /** The bar for {@code done} of {@code total}: {@code [###   ] 1/2 segments}. */
    static String render(int done, int total) {
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        return "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total + " segments";
    }

    @Override public void segmentsDone(int done, int total) {
        err.print("\r" + render(done, total) + "  " + label);
        err.flush();
        drawn = true;
    }

    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
