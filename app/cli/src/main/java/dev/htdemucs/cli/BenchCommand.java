package dev.htdemucs.cli;

import dev.htdemucs.bench.BenchHarness;
import dev.htdemucs.bench.BenchJson;
import dev.htdemucs.bench.BenchReport;
import dev.htdemucs.bench.BenchSettings;
import dev.htdemucs.bench.BenchStep;
import dev.htdemucs.bench.BenchTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures speed on this machine and checks it against the project's goals.",
                "Steps, run one after the other (a failing step is reported, the rest still run):",
                "  conversion  'htdemucs convert --precision fp16' in a child JVM: wall, peak RSS",
                "  stft        host STFT and iSTFT of one segment (median of at least 30 repeats)",
                "  reference   the reference runtime's inner network on one segment",
                "  separation  separating --seconds of music-like audio: real-time factor",
                "Prints a table; --json writes every figure. Figures depend on load: run it on a",
                "quiet machine (the table shows the load average).",
                "",
                "With no --model it measures the full-size golden htdemucs_6s checkpoint",
                "($HTDEMUCS_GOLDEN or ../shared/golden), else (with a note) the bundled tiny6.",
                "",
                "Examples:",
                "  htdemucs bench --json bench.json",
                "  htdemucs bench --model 5c90dfd2-34c22ccb.th --runtimes onnxruntime --skip reference",
                "  htdemucs bench --torchscript inner.pt --threads 2 --profile prof/"})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL",
            description = "Checkpoint (.th) or another loadable model. Default: the golden htdemucs_6s model.")
    Path model;

    @Option(names = "--runtimes", split = ",", paramLabel = "NAME",
            description = "Runtimes to separate with, comma separated. Default: reference,onnxruntime.")
    List<String> runtimes;

    @Option(names = "--seconds", defaultValue = "60", paramLabel = "S",
            description = "Seconds of audio to separate. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for every runtime. Default: one per core.")
    Integer threads;

    @Option(names = "--repeat", defaultValue = "3", paramLabel = "N",
            description = "Timed repeats of the reference segment, and of the STFT/iSTFT (at least 30). Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--skip", split = ",", paramLabel = "STEP",
            description = "Steps not to run: conversion, stft, reference, separation.")
    List<String> skip;

    @Option(names = "--torchscript", paramLabel = "FILE.pt",
            description = "The model's inner network as TorchScript: also measures the pytorch runtime (libtorch).")
    Path torchscript;

    @Option(names = "--convert-heap", defaultValue = BenchSettings.DEFAULT_CONVERT_HEAP, paramLabel = "SIZE",
            description = "-Xmx of the conversion's child JVM, as the htdemucs launcher sets it. Default: ${DEFAULT-VALUE}.")
    String convertHeap;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "Record the conversion and the reference segment runs with JFR into DIR and print their hot methods.")
    Path profileDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        BenchSettings settings;
        try {
            BenchSettings s = BenchSettings.defaults().withModel(model).withSeconds(seconds).withRepeat(repeat)
                    .withSkip(BenchStep.parse(skip)).withTorchscript(torchscript).withConvertHeap(convertHeap)
                    .withConvertMainClass(Main.class.getName()).withProfileDir(profileDir);
            if (runtimes != null) s = s.withRuntimes(runtimes.stream().map(String::strip).filter(r -> !r.isEmpty()).toList());
            if (threads != null) s = s.withThreads(threads);
            settings = s;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        BenchReport report = new BenchHarness(pluginOptions.plugins(), spec.commandLine().getErr()).run(settings);
        PrintWriter out = spec.commandLine().getOut();
        BenchTable.print(report, out);
        if (json != null) {
            BenchJson.write(report, json);
            out.println();
            out.println("wrote " + json);
        }
        out.flush();
        return 0;
    }
}
