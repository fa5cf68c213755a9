package dev.htdemucs.coreml;

/**
 * Keys of the {@code userDefined} model metadata this converter writes — what a host app needs to drive the
 * model — and reads back into {@link dev.htdemucs.spi.ModelMetadata}.
 */
public final class MetadataKeys {
    private MetadataKeys() {}

    public static final String ARCHITECTURE = "architecture";
    /** Source names in output order, comma separated. */
    public static final String SOURCES = "sources";
    public static final String SAMPLE_RATE = "samplerate";
    public static final String AUDIO_CHANNELS = "audio_channels";
    public static final String SEGMENT_SAMPLES = "segment_samples";
    public static final String NFFT = "nfft";
    public static final String HOP = "hop";
    public static final String FRAMES = "frames";
    /** How the host computes the spectrogram input and uses the spectral output (text). */
    public static final String STFT = "stft";
    public static final String CONVERTER = "converter";
    public static final String CONVERTER_VERSION = "converter_version";
    public static final String PRECISION = "precision";
    public static final String TARGET = "target";
    /** Prefix of the model's hyper-parameters (checkpoint kwargs), e.g. {@code kwargs.depth}. */
    public static final String KWARGS_PREFIX = "kwargs.";
}
