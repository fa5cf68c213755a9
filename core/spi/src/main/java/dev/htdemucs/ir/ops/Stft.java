package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * {@code stft}: the host-side boundary op, demucs {@code HTDemucs._spec} followed by {@code _magnitude}
 * (complex-as-channels). mix [B, C, L] → [B, 2C, n_fft/2, ceil(L/hop)], channels ordered
 * c0.re, c0.im, c1.re, c1.im, ... Attributes n_fft, hop.
 */
public final class Stft extends OpDef {
    public Stft() { super("stft", List.of("mix"), 1, List.of("n_fft", "hop")); }

    @Override public boolean runsOnHost() { return true; }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        require(x.rank() == 3, "mix must be [B, C, L], got " + x);
        requireFloat(x, "stft input");
        int nfft = node.attributes().integer("n_fft"), hop = node.attributes().integer("hop");
        require(nfft > 0 && nfft % 2 == 0 && hop > 0, "n_fft must be even and positive, hop positive");
        int frames = (x.dim(2) + hop - 1) / hop;
        return one(x.dtype(), x.dim(0), 2 * x.dim(1), nfft / 2, frames);
    }
}
