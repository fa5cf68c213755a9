package dev.htdemucs.cli;

import dev.htdemucs.spi.AtomicFiles;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.dsp.WavEncoding;
import dev.htdemucs.dsp.WavWriter;
import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.separation.ClipMode;
import dev.htdemucs.validation.SongFiles;
import dev.htdemucs.separation.ProgressListener;
import dev.htdemucs.separation.SeparationSettings;
import dev.htdemucs.separation.Separator;
import dev.htdemucs.separation.Stems;
import dev.htdemucs.dsp.WavReader;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "separate",
        mixinStandardHelpOptions = true,
        description = {
                "Separates songs into their sources (drums, bass, vocals, ...) as demucs' separate does: each song is"
                        + " cut into overlapping segments, every segment runs through the model's inner network in the"
                        + " chosen runtime (the STFT is done here), and the results are cross-faded back together.",
                "Writes DIR/<song name>/<source>.wav for every source; a song's stems appear together once all are"
                        + " written. Input: WAV at the model's sample rate (there is no resampler), mono or stereo.",
                "",
                "Example: htdemucs separate --model htdemucs_6s.th --runtime reference song.wav"})
final class SeparateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "demucs checkpoint (.th, cut to its inner network here), or an inner model file the runtime"
                    + " opens (.onnx, .mlpackage).")
    Path model;

    @Option(names = "--runtime", defaultValue = "reference", paramLabel = "NAME",
            description = "Runtime plugin (see 'htdemucs plugins'). Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Option(names = "--overlap", defaultValue = "0.25", paramLabel = "FRACTION",
            description = "Overlap between segments, in [0, 1). Default: ${DEFAULT-VALUE}.")
    double overlap;

    @Option(names = "--shifts", defaultValue = "0", paramLabel = "N",
            description = "Separate N times with random time shifts of up to 0.5 s and average (slower, slightly"
                    + " better). The shifts are drawn from --seed, not Python's RNG: only 0 reproduces demucs exactly."
                    + " Default: ${DEFAULT-VALUE}.")
    int shifts;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the random shifts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--segment", paramLabel = "SECONDS",
            description = "Segment length, at most the model's training segment (the default).")
    Double segmentSeconds;

    @Option(names = {"-o", "--out"}, defaultValue = "separated", paramLabel = "DIR",
            description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    SampleFormat sampleFormat;

    static final class SampleFormat {
        @Option(names = "--float", description = "Write 32-bit float WAV (default: 16-bit integer).")
        boolean asFloat;

        @Option(names = "--int24", description = "Write 24-bit integer WAV.")
        boolean int24;
    }

    @Option(names = "--clip-mode", defaultValue = "rescale", paramLabel = "MODE",
            description = "Keeping stems within [-1, 1], as demucs: rescale (a loud stem is scaled down as a whole),"
                    + " clamp (to +-0.99) or none. Default: ${DEFAULT-VALUE}.")
    Clip clipMode;

    /** {@code --clip-mode}, spelt as users type it. */
    enum Clip {
        rescale(ClipMode.RESCALE), clamp(ClipMode.CLAMP), none(ClipMode.NONE);

        final ClipMode mode;

        Clip(ClipMode mode) { this.mode = mode; }
    }

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the runtime (default: the runtime's own).")
    Integer threads;

    @Option(names = "--progress", description = "Show the progress bar on stderr even when not on a terminal.")
    boolean forceProgress;

    @Parameters(arity = "1..*", paramLabel = "SONG.wav", description = "Songs to separate.")
    List<Path> songs;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        ClipMode clip = clipMode.mode;
        if (threads != null && threads < 1) throw usage("--threads must be >= 1, got " + threads);
        Plugins plugins = pluginOptions.plugins();
        ModelRuntime rt = plugins.get(ModelRuntime.class, runtime);
        LoadedModel loaded = SeparationModel.load(plugins, model);
        SeparationSettings settings = settings(loaded.metadata());
        for (Path song : songs) checkSong(song, loaded.metadata());

        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Options runtimeOptions = threads == null ? Options.NONE : Options.of("threads", String.valueOf(threads));
        double audioSeconds = 0;
        long start;
        try (SeparationModel opened = SeparationModel.open(plugins, rt, model, loaded, runtimeOptions)) {
            Separator separator = newSeparator(opened, settings);
            start = System.nanoTime();
            for (Path song : songs) {
                Audio audio = readSong(song);
                ProgressBar bar = showProgress() ? new ProgressBar(stderr, song.getFileName().toString()) : null;
                Stems stems = separateSong(separator, audio, clip, bar == null ? ProgressListener.NONE : bar);
                if (bar != null) bar.finish();
                Path written = writeStems(out, songName(song), stems, encoding());
                stdout.println("wrote " + written + "/{" + String.join(",", stems.sources()) + "}.wav");
                stdout.flush();
                audioSeconds += audio.length() / (double) audio.sampleRate();
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        stdout.printf(Locale.ROOT, "separated %d song%s: %.2f s of audio in %.2f s wall time, %.2fx real time (%s)%n",
                songs.size(), songs.size() == 1 ? "" : "s", audioSeconds, wall, audioSeconds / wall, runtime);
        stdout.flush();
        return 0;
    }

    private boolean showProgress() {
        return forceProgress || System.console() != null;
    }

    private WavEncoding encoding() {
        if (sampleFormat == null) return WavEncoding.PCM_16;
        return sampleFormat.asFloat ? WavEncoding.FLOAT_32 : sampleFormat.int24 ? WavEncoding.PCM_24 : WavEncoding.PCM_16;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The options as settings for this model: the segment in samples is {@code int(seconds · samplerate)}, as demucs. */
    SeparationSettings settings(ModelMetadata metadata) {
        if (!(overlap >= 0 && overlap < 1)) throw usage("--overlap must be in [0, 1), got " + overlap);
        if (shifts < 0) throw usage("--shifts must be >= 0, got " + shifts);
        int segmentSamples = 0;
        if (segmentSeconds != null) {
            double seconds = segmentSeconds;
            long samples = (long) (metadata.sampleRate() * seconds);
            if (!(seconds > 0) || samples < 1) throw usage("--segment must be > 0 seconds, got " + segmentSeconds);
            if (samples > metadata.segmentSamples()) {
                throw usage(String.format(Locale.ROOT, "--segment %s s is longer than the model's training segment of"
                        + " %.2f s (%d samples); HTDemucs cannot run on longer segments", segmentSeconds,
                        metadata.segmentSamples() / (double) metadata.sampleRate(), metadata.segmentSamples()));
            }
            segmentSamples = (int) samples;
        }
        return new SeparationSettings(overlap, shifts, seed, segmentSamples, 1);
    }

    static Separator newSeparator(SeparationModel opened, SeparationSettings settings) {
        return new Separator(opened.network(), settings);
    }

    /** What the command writes for one song: the separated stems, each kept in [-1, 1] by {@code clip}. */
    static Stems separateSong(Separator separator, Audio audio, ClipMode clip, ProgressListener progress)
            throws AudioFormatException, PluginException {
        Stems stems = separator.separate(audio, progress);
        List<Audio> clipped = new ArrayList<>(stems.count());
        for (Audio stem : stems.audio()) clipped.add(clip.apply(stem));
        return new Stems(stems.sources(), clipped);
    }

    static Audio readSong(Path song) throws InputFileException {
        return SongFiles.read(song);
    }

    /** Reads the whole song and checks it suits the model, so that a bad file stops the command before anything is written. */
    private static void checkSong(Path song, ModelMetadata metadata) throws InputFileException {
        try {
            Separator.check(readSong(song), metadata);
        } catch (AudioFormatException e) {
            throw new InputFileException(e.getMessage(), song, e);
        }
    }

    /** demucs names a song's folder after the file without its extension. */
    static String songName(Path song) {
        String name = song.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Writes every stem into a temporary folder next to {@code out/<name>}, then renames it into place (a
     * previous result is replaced): the song's folder never holds a partial set of stems.
     */
    static Path writeStems(Path out, String name, Stems stems, WavEncoding encoding) throws IOException {
        Files.createDirectories(out);
        Path target = out.resolve(name);
        Path staging = Files.createTempDirectory(out, "." + name + ".partial-");
        try {
            for (int s = 0; s < stems.count(); s++) {
                WavWriter.write(staging.resolve(stems.sources().get(s) + ".wav"), stems.audio(s), encoding);
            }
            AtomicFiles.replaceDirectory(staging, target);
            return target;
        } catch (IOException | RuntimeException e) {
            try {
                AtomicFiles.deleteTree(staging);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
