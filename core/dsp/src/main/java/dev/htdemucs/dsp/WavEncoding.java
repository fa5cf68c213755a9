package dev.htdemucs.dsp;

/** Sample encodings {@link WavWriter} can write. */
public enum WavEncoding {
    /** 16-bit signed integer PCM: {@code round(x · 2^15)} clamped to [-32768, 32767]. */
    PCM_16(WavEncoding.FORMAT_PCM, 16),
    /** 24-bit signed integer PCM: {@code round(x · 2^23)} clamped to [-8388608, 8388607]. */
    PCM_24(WavEncoding.FORMAT_PCM, 24),
    /** IEEE float32, written bit for bit, not clipped. */
    FLOAT_32(WavEncoding.FORMAT_IEEE_FLOAT, 32);

    static final int FORMAT_PCM = 1;
    static final int FORMAT_IEEE_FLOAT = 3;
    static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private final int formatTag;
    private final int bitsPerSample;

    WavEncoding(int formatTag, int bitsPerSample) {
        this.formatTag = formatTag;
        this.bitsPerSample = bitsPerSample;
    }

    int formatTag() { return formatTag; }

    public int bitsPerSample() { return bitsPerSample; }

    int bytesPerSample() { return bitsPerSample / 8; }
}
