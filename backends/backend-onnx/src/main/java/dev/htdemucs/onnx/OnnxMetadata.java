package dev.htdemucs.onnx;

import dev.htdemucs.spi.ModelMetadata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code metadata_props} an exported model carries: everything a host application needs to feed
 * the network and turn its outputs into audio, so the .onnx file is usable without this toolkit.
 * The spectrogram framing is that of demucs' {@code HTDemucs._spec}/{@code _magnitude} (inputs) and
 * {@code _mask}/{@code _ispec} (outputs), spelled out in words and numbers.
 */
final class OnnxMetadata {
    private OnnxMetadata() {}

    static final String ARCHITECTURE = "architecture";
    static final String SOURCES = "sources";
    static final String SAMPLE_RATE = "samplerate";
    static final String AUDIO_CHANNELS = "audio_channels";
    static final String SEGMENT_SAMPLES = "segment_samples";
    static final String NFFT = "nfft";
    static final String HOP = "hop";
    static final String FRAMES = "frames";
    static final String BINS = "bins";
    static final String KWARG_PREFIX = "kwargs.";

    /** Key → value, in a stable order. */
    static Map<String, String> toProps(ModelMetadata m) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(ARCHITECTURE, m.architecture());
        p.put(SOURCES, String.join(",", m.sources()));
        p.put(SAMPLE_RATE, Integer.toString(m.sampleRate()));
        p.put(AUDIO_CHANNELS, Integer.toString(m.audioChannels()));
        p.put(SEGMENT_SAMPLES, Integer.toString(m.segmentSamples()));
        p.put(NFFT, Integer.toString(m.nfft()));
        p.put(HOP, Integer.toString(m.hop()));
        p.put(FRAMES, Integer.toString(m.frames()));
        p.put(BINS, Integer.toString(m.bins()));
        int n = m.nfft(), hop = m.hop(), pad = hop / 2 * 3;
        p.put("stft.n_fft", Integer.toString(n));
        p.put("stft.hop_length", Integer.toString(hop));
        p.put("stft.win_length", Integer.toString(n));
        p.put("stft.window", "hann, periodic (torch.hann_window(" + n + ")), length " + n);
        p.put("stft.normalized", "true: spectra are scaled by 1/sqrt(n_fft); the inverse undoes it");
        p.put("stft.center", "true, pad_mode reflect: each signal is reflect-padded by n_fft/2 = " + n / 2 + " on both sides before framing");
        p.put("stft.demucs_spec_padding", "demucs HTDemucs._spec: for a signal of L samples, le = ceil(L / hop); reflect-pad by "
                + pad + " (= 3*hop/2) on the left and " + pad + " + le*hop - L on the right; centred STFT as above; drop the last"
                + " (Nyquist) bin, keeping n_fft/2 = " + n / 2 + " bins; keep frames [2, 2 + le)");
        p.put("input.mix", "[1, " + m.audioChannels() + ", L] float32 waveform at " + m.sampleRate() + " Hz, L = segment_samples = "
                + m.segmentSamples());
        p.put("input.spec", "[1, " + 2 * m.audioChannels() + ", " + n / 2 + ", " + m.frames() + "] float32, the demucs spectrogram of mix"
                + " in complex-as-channels layout (HTDemucs._magnitude with cac): channels c0.re, c0.im, c1.re, c1.im, ...");
        p.put("output.spec_out", "[1, S, " + 2 * m.audioChannels() + ", " + n / 2 + ", " + m.frames() + "] per-source spectrograms,"
                + " same layout as spec, S = number of sources in 'sources' order");
        p.put("output.wave_out", "[1, S, " + m.audioChannels() + ", L] per-source time-branch waveforms");
        p.put("host.istft", "demucs HTDemucs._mask + _ispec: view spec_out as complex (re, im channel pairs); append a zero"
                + " Nyquist bin and 2 zero frames on both sides; inverse STFT (same window, normalized, center) with length"
                + " le*hop + " + 2 * pad + ", le = ceil(L / hop); keep samples [" + pad + ", " + pad + " + L)");
        p.put("host.output", "separated sources [1, S, " + m.audioChannels() + ", L] = host.istft(spec_out) + wave_out");
        new TreeMap<>(m.hyperParameters()).forEach((k, v) -> p.put(KWARG_PREFIX + k, v));
        return p;
    }

    /** Reads back what {@link #toProps} wrote; null when the model carries no such metadata. */
    static ModelMetadata fromProps(Map<String, String> p, String where) {
        if (!p.containsKey(SOURCES) || !p.containsKey(NFFT)) return null;
        Map<String, String> kwargs = new LinkedHashMap<>();
        p.forEach((k, v) -> { if (k.startsWith(KWARG_PREFIX)) kwargs.put(k.substring(KWARG_PREFIX.length()), v); });
        List<String> sources = p.get(SOURCES).isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(p.get(SOURCES).split(",")));
        return new ModelMetadata(p.getOrDefault(ARCHITECTURE, "unknown"), sources, integer(p, SAMPLE_RATE, where),
                integer(p, AUDIO_CHANNELS, where), integer(p, SEGMENT_SAMPLES, where), integer(p, NFFT, where),
                integer(p, HOP, where), kwargs);
    }

    private static int integer(Map<String, String> p, String key, String where) {
        String v = p.get(key);
        if (v == null) throw new OnnxConversionException(where + ": metadata_props lacks '" + key + "' although it has '" + SOURCES + "'");
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new OnnxConversionException(where + ": metadata_props '" + key + "' should be an integer, found '" + v + "'");
        }
    }
}
