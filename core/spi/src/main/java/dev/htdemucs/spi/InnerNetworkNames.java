package dev.htdemucs.spi;

import java.util.List;

/**
 * The tensor names of HTDemucs' inner network — everything of {@code HTDemucs.forward} between the host's
 * STFT and iSTFT: inputs {@code mix [1, C, L]} and {@code spec [1, 2C, F, T]}, outputs
 * {@code spec_out [1, S, 2C, F, T]} and {@code wave_out [1, S, C, L]}. The contract itself (layouts, how the
 * host drives it) is {@code dev.htdemucs.separation.InnerNetwork}; the names live here so that the modules
 * below the app (passes, loaders, emitters, runtimes) spell them the same way without depending on it.
 */
public final class InnerNetworkNames {
    private InnerNetworkNames() {}

    /** Input: the raw segment, {@code [1, C, L]}. */
    public static final String MIX = "mix";
    /** Input: its spectrogram, complex as channels (L.re, L.im, R.re, R.im), {@code [1, 2C, F, T]}. */
    public static final String SPEC = "spec";
    /** Output: the spectral branch per source, complex as channels, {@code [1, S, 2C, F, T]}. */
    public static final String SPEC_OUT = "spec_out";
    /** Output: the time branch per source, {@code [1, S, C, L]}. */
    public static final String WAVE_OUT = "wave_out";

    /** The inputs in positional order. */
    public static final List<String> INPUTS = List.of(MIX, SPEC);
    /** The outputs in positional order. */
    public static final List<String> OUTPUTS = List.of(SPEC_OUT, WAVE_OUT);
}
