package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * {@code istft}: the host-side boundary op, demucs {@code HTDemucs._mask} (complex-as-channels) followed
 * by {@code _ispec}. z [B, S, 2C, n_fft/2, T] → [B, S, C, length]. Attributes n_fft, hop, length.
 */
public final class Istft extends OpDef {
    public Istft() { super("istft", List.of("z"), 1, List.of("n_fft", "hop", "length")); }

    @Override public boolean runsOnHost() { return true; }

    @Override protected List<TensorType> infer(Node node) {
        TensorType z = type(node, 0);
        require(z.rank() == 5, "z must be [B, S, 2C, F, T], got " + z);
        requireFloat(z, "istft input");
        int nfft = node.attributes().integer("n_fft"), hop = node.attributes().integer("hop");
        int length = node.attributes().integer("length");
        require(z.dim(2) % 2 == 0, "channel axis of " + z + " must be even (complex as channels)");
        require(z.dim(3) == nfft / 2, "frequency axis of " + z + " must be n_fft/2 = " + nfft / 2);
        require(length > 0 && hop > 0, "length and hop must be positive");
        return one(z.dtype(), z.dim(0), z.dim(1), z.dim(2) / 2, length);
    }
}
