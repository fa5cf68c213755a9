package dev.htdemucs.spi;

import java.util.List;
import java.util.Map;

/**
 * What a host application needs to drive a separation model: source names in output order, audio
 * format, segment length and the STFT framing; {@code hyperParameters} holds the model's kwargs as text.
 */
public record ModelMetadata(
        String architecture,
        List<String> sources,
        int sampleRate,
        int audioChannels,
        int segmentSamples,
        int nfft,
        int hop,
        Map<String, String> hyperParameters) {

    public ModelMetadata {
        sources = List.copyOf(sources);
        hyperParameters = Map.copyOf(hyperParameters);
    }

    /** Spectrogram frames of one segment: ceil(segment / hop). */
    public int frames() { return (segmentSamples + hop - 1) / hop; }

    /** Frequency bins kept by demucs (Nyquist dropped): nfft / 2. */
    public int bins() { return nfft / 2; }
}
