package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * {@code istft}: demucs' {@code _ispec(_mask(z), length)} from {@link DemucsSpectrogram}. z
 * {@code [B, S, 2C, n_fft/2, T]} → {@code [B, S, C, length]}; every (sample, source, channel) is
 * inverted in parallel from its CaC pair of planes.
 */
public final class IstftKernel implements Kernel {
    @Override public String op() { return "istft"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor z = inputs[0];
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(node.attributes().integer("n_fft"), node.attributes().integer("hop"));
        int length = node.attributes().integer("length");
        TensorType type = node.output().type();
        int frames = z.dim(4);
        int pair = 2 * z.dim(3) * frames; // one audio channel's CaC planes [2, F, T]
        int signals = z.dim(0) * z.dim(1) * (z.dim(2) / 2);
        float[] in = z.data();
        float[] out = new float[Math.toIntExact(type.numel())];
        parallel.forEach(signals, s -> spectrogram.ispec(in, s * pair, 1, 1, frames, length, out, s * length));
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}
