package dev.htdemucs.report;

import java.util.ArrayList;
import java.util.List;

/** The order in which data flows through the layers of a network, for the x axis of the divergence chart. */
public final class LayerOrder {

    private LayerOrder() {
    }

    /**
     * HTDemucs with {@code depth} encoder/decoder levels (the checkpoint's {@code depth} kwarg):
     * {@code encoder0..d-1, tencoder0..d-1, transformer, decoder0..d-1, tdecoder0..d-1}. The spectral and
     * temporal branches run side by side; listing each branch as a block keeps each line readable.
     */
    public static List<String> htdemucs(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("HTDemucs depth must be at least 1, got " + depth);
        }
        List<String> names = new ArrayList<>(4 * depth + 1);
        addLevels(names, "encoder", depth);
        addLevels(names, "tencoder", depth);
        names.add("transformer");
        addLevels(names, "decoder", depth);
        addLevels(names, "tdecoder", depth);
        return List.copyOf(names);
    }

    private static void addLevels(List<String> names, String prefix, int depth) {
        for (int i = 0; i < depth; i++) {
            names.add(prefix + i);
        }
    }
}
