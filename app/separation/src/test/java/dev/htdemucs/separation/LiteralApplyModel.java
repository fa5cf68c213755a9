package dev.htdemucs.separation;

import dev.htdemucs.dsp.DemucsSpectrogram;

import java.util.Random;

/**
 * demucs' {@code apply_model} (one HTDemucs, split) and {@code HTDemucs.forward}, transcribed statement by
 * statement with whole-length arrays, {@code TensorChunk}s over materialised tensors and the same float32
 * operations in the same order: the yardstick for {@link Separator}'s ring buffers and pipeline.
 */
final class LiteralApplyModel {

    private final FakeInnerSession fake;
    private final DemucsSpectrogram spectrogram;
    private final int channels;
    private final int sources;
    private final int trainingLength;

    LiteralApplyModel(FakeInnerSession fake) {
        this.fake = fake;
        this.spectrogram = DemucsSpectrogram.of(fake.metadata.nfft(), fake.metadata.hop());
        this.channels = fake.metadata.audioChannels();
        this.sources = fake.metadata.sources().size();
        this.trainingLength = fake.metadata.segmentSamples();
    }

    /** {@code TensorChunk}: a window on a {@code [C, total]} tensor. */
    record Chunk(float[] tensor, int total, int offset, int length) {
        Chunk(float[] tensor, int total) { this(tensor, total, 0, total); }

        /** {@code TensorChunk(self, offset, length)}: offsets add up, the tensor stays the underlying one. */
        Chunk sub(int channels, int offset, int maxLength) {
            return new Chunk(tensor, total, this.offset + offset, Math.min(length - offset, maxLength));
        }

        /** {@code TensorChunk.padded(target)}: centred, reading the underlying tensor, zeros beyond it. */
        float[] padded(int channels, int target) {
            int delta = target - length;
            int start = offset - Math.floorDiv(delta, 2);
            int end = start + target;
            int correctStart = Math.max(0, start);
            int correctEnd = Math.min(total, end);
            float[] out = new float[channels * target];
            for (int c = 0; c < channels; c++) {
                for (int i = correctStart; i < correctEnd; i++) out[c * target + i - start] = tensor[c * total + i];
            }
            return out;
        }
    }

    /** {@code HTDemucs.forward} on {@code [C, n]}: pad right to the training length, run, {@code _ispec} + wave, crop. */
    float[] forward(float[] mix, int n) {
        float[] x = new float[channels * trainingLength];
        for (int c = 0; c < channels; c++) System.arraycopy(mix, c * n, x, c * trainingLength, n);
        float[][] outputs = fake.compute(x, spectrogram.spec(x, channels, trainingLength));
        float[] spectral = spectrogram.ispec(outputs[0], sources, channels, spectrogram.frames(trainingLength), trainingLength);
        float[] out = new float[sources * channels * n];
        for (int sc = 0; sc < sources * channels; sc++) {
            for (int i = 0; i < n; i++) {
                out[sc * n + i] = outputs[1][sc * trainingLength + i] + spectral[sc * trainingLength + i];
            }
        }
        return out;
    }

    float[] apply(float[] mix, int length, double overlap, int shifts, long seed, int segment) {
        return apply(new Chunk(mix, length), overlap, shifts, new Random(seed), segment);
    }

    private float[] apply(Chunk mix, double overlap, int shifts, Random random, int segment) {
        int length = mix.length();
        if (shifts > 0) {
            int maxShift = (int) (0.5 * fake.metadata.sampleRate());
            float[] paddedMix = mix.padded(channels, length + 2 * maxShift);
            int paddedLength = length + 2 * maxShift;
            float[] out = null;
            for (int shift = 0; shift < shifts; shift++) {
                int offset = random.nextInt(maxShift + 1);
                Chunk shifted = new Chunk(paddedMix, paddedLength).sub(channels, offset, length + maxShift - offset);
                float[] res = apply(shifted, overlap, 0, random, segment);
                int resLength = shifted.length();
                if (out == null) out = new float[sources * channels * length];
                for (int sc = 0; sc < sources * channels; sc++) {
                    for (int i = 0; i < length; i++) out[sc * length + i] += res[sc * resLength + maxShift - offset + i];
                }
            }
            for (int i = 0; i < out.length; i++) out[i] /= shifts;
            return out;
        }
        float[] out = new float[sources * channels * length];
        float[] sumWeight = new float[length];
        int stride = (int) ((1 - overlap) * segment);
        float[] weight = new float[segment];
        for (int i = 0; i < segment / 2; i++) weight[i] = i + 1;
        for (int i = segment / 2, v = segment - segment / 2; i < segment; i++, v--) weight[i] = v;
        float max = 0;
        for (float w : weight) max = Math.max(max, w);
        for (int i = 0; i < segment; i++) weight[i] = weight[i] / max;
        for (int offset = 0; offset < length; offset += stride) {
            Chunk chunk = mix.sub(channels, offset, segment);
            float[] chunkOut = applyUnsplit(chunk, segment);
            int chunkLength = chunk.length();
            for (int sc = 0; sc < sources * channels; sc++) {
                for (int i = 0; i < chunkLength; i++) out[sc * length + offset + i] += weight[i] * chunkOut[sc * chunkLength + i];
            }
            for (int i = 0; i < chunkLength; i++) sumWeight[offset + i] += weight[i];
        }
        for (int sc = 0; sc < sources * channels; sc++) {
            for (int i = 0; i < length; i++) out[sc * length + i] /= sumWeight[i];
        }
        return out;
    }

    /** The unsplit branch: {@code model(chunk.padded(valid_length))}, then {@code center_trim}. */
    private float[] applyUnsplit(Chunk chunk, int validLength) {
        float[] padded = chunk.padded(channels, validLength);
        float[] full = forward(padded, validLength);
        int length = chunk.length();
        int delta = validLength - length;
        float[] out = new float[sources * channels * length];
        for (int sc = 0; sc < sources * channels; sc++) {
            System.arraycopy(full, sc * validLength + delta / 2, out, sc * length, length);
        }
        return out;
    }
}
