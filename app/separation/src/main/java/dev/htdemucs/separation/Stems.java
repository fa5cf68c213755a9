package dev.htdemucs.separation;

import dev.htdemucs.dsp.Audio;

import java.util.List;

/** The separated sources of one mix, in the model's source order, each {@code [C, L]} like the mix. */
public record Stems(List<String> sources, List<Audio> audio) {

    public Stems {
        sources = List.copyOf(sources);
        audio = List.copyOf(audio);
        if (sources.size() != audio.size()) {
            throw new IllegalArgumentException(sources.size() + " source names for " + audio.size() + " stems");
        }
    }

    /** Splits a C-ordered {@code [S, C, L]} array into one {@link Audio} per source. */
    static Stems fromPlanar(List<String> sources, int sampleRate, int channels, int length, float[] planar) {
        List<Audio> audio = new java.util.ArrayList<>(sources.size());
        for (int s = 0; s < sources.size(); s++) {
            float[][] samples = new float[channels][];
            for (int c = 0; c < channels; c++) {
                int from = (s * channels + c) * length;
                samples[c] = java.util.Arrays.copyOfRange(planar, from, from + length);
            }
            audio.add(new Audio(sampleRate, samples));
        }
        return new Stems(sources, audio);
    }

    public int count() { return sources.size(); }

    public Audio audio(int source) { return audio.get(source); }

    /** The stem of the named source. */
    public Audio audio(String source) {
        int i = sources.indexOf(source);
        if (i < 0) throw new IllegalArgumentException("no source '" + source + "'; sources: " + sources);
        return audio.get(i);
    }
}
