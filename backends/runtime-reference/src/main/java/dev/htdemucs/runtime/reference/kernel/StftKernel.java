package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * {@code stft}: demucs' {@code _magnitude(_spec(mix))} from {@link DemucsSpectrogram} (the stft module holds
 * the convention). mix {@code [B, C, L]} → CaC {@code [B, 2C, n_fft/2, ⌈L/hop⌉]}; the B·C audio channels
 * are transformed in parallel.
 */
public final class StftKernel implements Kernel {
    @Override public String op() { return "stft"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor mix = inputs[0];
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(node.attributes().integer("n_fft"), node.attributes().integer("hop"));
        TensorType type = node.output().type();
        int channels = mix.dim(0) * mix.dim(1), length = mix.dim(2);
        int perChannel = 2 * type.dim(2) * type.dim(3); // one audio channel's CaC pair [2, F, T]
        float[] in = mix.data();
        float[] out = new float[Math.toIntExact(type.numel())];
        parallel.forEach(channels, c -> spectrogram.spec(in, c * length, 1, length, out, c * perChannel));
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}
