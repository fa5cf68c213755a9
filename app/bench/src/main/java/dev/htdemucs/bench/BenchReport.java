package dev.htdemucs.bench;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * Everything one bench run measured, as written to JSON (snake_case keys, every key always present; a value
 * is null when its step did not run or failed, and the step's {@code status}/{@code reason} say why).
 * Units are in the names: {@code _seconds}, {@code _ms}, {@code _bytes}.
 */
public record BenchReport(String schema, String started, double totalSeconds, MachineFacts machine,
                          List<Double> loadAverageAtEnd, SettingsEcho settings, ModelInfo model, InputInfo input,
                          Conversion conversion, Spectrogram stft, ReferenceSegment reference,
                          List<Separation> separation, List<Goal> goals, Profiles profile) {

    public static final String SCHEMA = "htdemucs-bench/1";

    /** The settings as run (threads resolved, runtimes including one added for --torchscript). */
    public record SettingsEcho(List<String> runtimes, double seconds, int threads, int repeat, List<String> skip,
                               String torchscript, String convertHeap, String profileDir) {}

    /** The measured model; {@code note} explains a fallback (e.g. to tiny6). */
    public record ModelInfo(String path, String name, String note, String architecture, List<String> sources,
                            int sampleRate, int audioChannels, int segmentSamples, int nfft, int hop,
                            int innerGraphNodes, double loadSeconds) {}

    public record InputInfo(String source, double seconds, int samples, int channels) {}

    /**
     * {@code htdemucs convert} in a child JVM. {@code wallSeconds} is what a user waits (JVM start included);
     * {@code inProcessSeconds} is the command's own "time:" line; {@code peakRssBytes} is the child's
     * high-water resident set, read as {@code peakRssMethod} says.
     */
    public record Conversion(StepStatus status, String reason, List<String> command, String heap, String precision,
                             Double wallSeconds, Double inProcessSeconds, Long peakRssBytes, String peakRssMethod,
                             Long packageBytes, Integer exitCode) {}

    /**
     * Host-side STFT of one segment's mix and iSTFT of its sources, milliseconds, after warm-up. {@code stftMs}:
     * the {@code [C, L]} mix to CaC {@code [2C, F, T]}; {@code istftMs}: all S sources {@code [S, 2C, F, T]}
     * back to audio; {@code istftOneSourceMs}: one source. {@code stftIstftOneSourceMs} ("one stereo
     * segment") and {@code stftIstftAllSourcesMs} (all the host does per segment) are per-repeat sums of the
     * STFT and that iSTFT, with their CPU time over all threads in the {@code _cpu_ms} twins.
     * {@code stftPlusIstftMs} is the median STFT plus the median iSTFT of all sources.
     */
    public record Spectrogram(StepStatus status, String reason, int segmentSamples, int channels, int sources, int nfft,
                              int hop, int frames, int warmup, Stats stftMs, Stats istftMs, Stats istftOneSourceMs,
                              Stats stftIstftOneSourceMs, Stats stftIstftAllSourcesMs, Stats stftIstftOneSourceCpuMs,
                              Stats stftIstftAllSourcesCpuMs, Double stftPlusIstftMs, int hostThreads) {}

    /** The reference runtime's inner network alone on one full segment; per-op wall times over all its runs. */
    public record ReferenceSegment(StepStatus status, String reason, int threads, Double openSeconds,
                                   Double firstRunSeconds, Stats seconds, List<OpTime> opProfile) {}

    public record OpTime(String op, long calls, double wallSeconds, double share) {}

    /**
     * Separating the input with one runtime ({@code Separator}: segments of the training length, overlap 0.25,
     * STFT/iSTFT on the host, pipelined), after one warm-up run of the session. {@code rtf} = wall / audio
     * (lower is faster; below 1 is faster than real time); {@code speedXRealtime} = audio / wall, as demucs
     * prints it. {@code segmentSeconds} lists the time between consecutive segments' completion (the first
     * from the start), so slow first runs or a busy machine show; {@code segmentStats} summarises it.
     */
    public record Separation(String runtime, StepStatus status, String reason, int threads, Double openSeconds,
                             Double firstRunSeconds, Double audioSeconds, Integer segments, Double wallSeconds,
                             Double secondsPerSegment, Stats segmentStats, List<Double> segmentSeconds, Double rtf,
                             @JsonProperty("speed_x_realtime") Double speedXRealtime) {}

    /** One of the project's speed goals; {@code met} is null when the run did not measure it. */
    public record Goal(String name, String target, String measured, Boolean met, String note) {}

    /** JFR summaries (only with a profile directory). */
    public record Profiles(Hotspots conversion, Hotspots reference) {}

    /**
     * Where sampled CPU time went: {@code selfTop} counts each sample's top frame; {@code projectTop} its
     * first frame in our code (so time in JDK or library code is charged to the project method that called
     * it); {@code projectInclusive} every project method anywhere on the stack.
     */
    public record Hotspots(String jfrFile, long samples, List<Hotspot> selfTop, List<Hotspot> projectTop,
                           List<Hotspot> projectInclusive) {}

    public record Hotspot(String method, long samples, double percent) {}
}
