package dev.htdemucs.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.htdemucs.coreml.read.MLPackage;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link MLPackageReader#read} one file at a time inside an otherwise valid package (the committed
 * {@code tiny.mlpackage}, copied to a temporary directory): {@link #modelSpec} replaces
 * {@code model.mlmodel} (protobuf, MIL program, types, blob references), {@link #weightBlob} replaces
 * {@code weight.bin} (storage header, blob metadata, offsets). Every input loads into a sane graph or
 * ends in a {@link PluginException}.
 */
class MLPackageReaderFuzzTest {
    private static final Path PACKAGE = copyTinyPackage();
    private static final byte[] MODEL = resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_MODEL);
    private static final byte[] WEIGHTS = resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_WEIGHTS);

    @FuzzTest(maxDuration = "10m")
    void modelSpec(byte[] mlmodel) throws IOException {
        readWith(mlmodel, WEIGHTS);
    }

    @FuzzTest(maxDuration = "10m")
    void weightBlob(byte[] weights) throws IOException {
        readWith(MODEL, weights);
    }

    private static void readWith(byte[] mlmodel, byte[] weights) throws IOException {
        Files.write(PACKAGE.resolve(SeedCorpus.PACKAGE_MODEL), mlmodel);
        Files.write(PACKAGE.resolve(SeedCorpus.PACKAGE_WEIGHTS), weights);
        MLPackage read;
        try {
            read = MLPackageReader.read(PACKAGE);
        } catch (PluginException rejected) {
            ReaderContract.requireDeliberateRejection(rejected);
            return;
        }
        ReaderContract.requireSaneGraph(read.model().graph());
    }

    private static Path copyTinyPackage() {
        try {
            Path pkg = Files.createTempDirectory("htdemucs-fuzz-").resolve("tiny.mlpackage");
            for (String file : new String[] {"Manifest.json", SeedCorpus.PACKAGE_MODEL, SeedCorpus.PACKAGE_WEIGHTS}) {
                Path target = pkg.resolve(file);
                Files.createDirectories(target.getParent());
                Files.write(target, resource(SeedCorpus.TINY_PACKAGE + file));
            }
            return pkg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String relative) {
        try (InputStream in = MLPackageReaderFuzzTest.class.getResourceAsStream(relative)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource dev/htdemucs/fuzz/" + relative);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
