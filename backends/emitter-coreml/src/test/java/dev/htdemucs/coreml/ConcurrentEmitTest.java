package dev.htdemucs.coreml;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One emitter instance and one loaded tiny6 model shared by several threads at once (the graph, its
 * constant tensors and the plan are read concurrently): every package is byte-identical to a serial one.
 */
class ConcurrentEmitTest {
    static final String[] FILES = {"Manifest.json", "Data/com.apple.CoreML/model.mlmodel", "Data/com.apple.CoreML/weights/weight.bin"};

    @Test
    void sharedModelEmittedFromThreadsGivesSerialBytes(@TempDir Path dir) throws Exception {
        Plugins plugins = TestSupport.plugins();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(Golden.tiny6().file("model.th"), Options.NONE);
        LoadedModel inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
        Emitter emitter = new CoreMLEmitter();
        for (String precision : new String[]{"fp16", "mixed"}) {
            PrecisionPlan plan = plugins.get(PrecisionSelector.class, precision).select(inner, Options.NONE);
            Path serial = dir.resolve(precision + "-serial.mlpackage");
            emitter.emit(TestSupport.withCasts(inner, plan), serial, Options.NONE);

            int threads = 3;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Path> outs = new ArrayList<>();
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> runs = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Path out = dir.resolve(precision + "-" + i + ".mlpackage");
                    outs.add(out);
                    runs.add(pool.submit(() -> {
                        start.await();
                        return emitter.emit(TestSupport.withCasts(inner, plan), out, Options.NONE);
                    }));
                }
                start.countDown();
                for (Future<?> f : runs) f.get();
            } finally {
                pool.shutdownNow();
            }
            for (String f : FILES) {
                String expected = TestSupport.sha256(serial.resolve(f));
                for (Path out : outs) assertEquals(expected, TestSupport.sha256(out.resolve(f)), precision + " " + out.getFileName() + " " + f);
            }
        }
    }
}
