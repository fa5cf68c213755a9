package dev.htdemucs.pytorch.djl;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code pytorch} runtime on the golden tiny6 inner model, traced by torch 1.13 and run here by libtorch
 * 2.7.1. Tolerance, stated up front: max |ours − golden| ≤ {@value #TOLERANCE} × max |golden| for each output
 * (the same TorchScript graph on a newer libtorch differs only in float32 rounding).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DjlTorchScriptRuntimeTest {
    static final double TOLERANCE = 1e-5;
    static final String MODEL = "inner.torchscript.pt";

    private final DjlTorchScriptRuntime runtime = new DjlTorchScriptRuntime();
    private GoldenSet golden;
    private Path file;
    private Session session;

    @BeforeAll
    void open() throws PluginException {
        golden = Golden.tiny6();
        file = golden.file(MODEL);
        long t0 = System.nanoTime();
        session = runtime.open(file, Options.NONE);
        System.out.printf(Locale.ROOT, "pytorch runtime: opened %s in %.2f s%n", MODEL, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void close() throws PluginException {
        session.close();
    }

    static Tensor input(String relative) {
        NpyArray a = Golden.tiny6().npy(relative);
        return Tensor.ofFloats(a.shape(), a.data());
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void matchesPyTorchGolden(String signal) throws PluginException {
        long t0 = System.nanoTime();
        Map<String, Tensor> out = session.run(Map.of(
                "mix", input(signal + "/mix.npy"),
                "spec", input(signal + "/spec.npy")));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(List.of("spec_out", "wave_out"), List.copyOf(out.keySet()));
        for (String name : List.of("spec_out", "wave_out")) {
            NpyArray expected = golden.npy(signal + "/" + name + ".npy");
            Tensor actual = out.get(name);
            assertEquals(DType.FLOAT32, actual.dtype());
            assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
            Comparison c = Comparison.of(expected.data(), actual.toFloatArray());
            System.out.printf(Locale.ROOT, "pytorch runtime %s %s: %s (run %.2f s)%n", signal, name, c, seconds);
            assertTrue(c.peak() > 0, signal + " " + name + " golden is silent; the comparison would prove nothing");
            assertTrue(c.maxAbs() <= TOLERANCE * c.peak(), signal + " " + name + ": " + c + " exceeds "
                    + TOLERANCE + " x peak");
        }
        assertEquals(TensorType.f32(1, 2, 22050), session.inputTypes().get("mix"));
        assertEquals(TensorType.f32(1, 4, 2048, 22), session.inputTypes().get("spec"));
        assertEquals(TensorType.f32(1, 6, 4, 2048, 22), session.outputTypes().get("spec_out"));
        assertEquals(TensorType.f32(1, 6, 2, 22050), session.outputTypes().get("wave_out"));
    }

    /** Memory-mapped (direct, read-only) tensors take DJL's other buffer path; results must not change. */
    @Test
    void memoryMappedInputsGiveTheGoldenResult() throws IOException, PluginException {
        Map<String, Tensor> out = session.run(Map.of(
                "mix", mapNpy("white_noise/mix.npy", TensorType.f32(1, 2, 22050)),
                "spec", mapNpy("white_noise/spec.npy", TensorType.f32(1, 4, 2048, 22))));
        NpyArray expected = golden.npy("white_noise/wave_out.npy");
        Comparison c = Comparison.of(expected.data(), out.get("wave_out").toFloatArray());
        assertTrue(c.peak() > 0 && c.maxAbs() <= TOLERANCE * c.peak(), "wave_out from mapped inputs: " + c);
    }

    /** Maps the float32 payload of a .npy file (the header is everything before the last numel*4 bytes). */
    private Tensor mapNpy(String relative, TensorType type) throws IOException {
        Path npy = golden.file(relative);
        Tensor t = Tensor.map(type, npy, Files.size(npy) - type.byteSize());
        assertTrue(t.data().isDirect(), "expected a mapped (direct) buffer");
        return t;
    }

    @Test
    void inputsAreNamedFromTheFilesForwardSignature() {
        assertEquals(List.of("mix", "spec"), List.copyOf(session.inputTypes().keySet()));
        assertEquals(List.of("spec_out", "wave_out"), List.copyOf(session.outputTypes().keySet()));
    }

    @Test
    void missingInputIsNamed() {
        PluginException e = assertThrows(PluginException.class, () -> session.run(Map.of("mix", input("white_noise/mix.npy"))));
        assertTrue(e.getMessage().contains("takes 2 inputs [mix, spec]"), e.getMessage());
        assertTrue(e.getMessage().contains("missing [spec]"), e.getMessage());
    }

    @Test
    void unknownInputIsNamed() {
        PluginException e = assertThrows(PluginException.class, () -> session.run(Map.of(
                "mix", input("white_noise/mix.npy"), "spec", input("white_noise/spec.npy"),
                "extra", Tensor.scalar(1))));
        assertTrue(e.getMessage().contains("not an input [extra]"), e.getMessage());
    }

    @Test
    void nonFloat32InputIsRefused() {
        PluginException e = assertThrows(PluginException.class, () -> session.run(Map.of(
                "mix", input("white_noise/mix.npy"), "spec", input("white_noise/spec.npy").to(DType.FLOAT16))));
        assertTrue(e.getMessage().contains("input spec"), e.getMessage());
        assertTrue(e.getMessage().contains("must be float32, got float16[1,4,2048,22]"), e.getMessage());
    }

    @Test
    void libtorchShapeErrorNamesFileInputsAndCause() {
        PluginException e = assertThrows(PluginException.class, () -> session.run(Map.of(
                "mix", input("white_noise/mix.npy"),
                "spec", Tensor.zeros(TensorType.f32(1, 3, 2048, 22)))));
        String m = e.getMessage();
        assertTrue(m.contains(MODEL), m);
        assertTrue(m.contains("spec float32[1,3,2048,22]"), m);
        assertTrue(m.contains("RuntimeError: Given groups=1, weight of size [8, 4, 8, 1], expected input[1, 3, 2048, 22]"
                + " to have 4 channels, but got 3 channels instead"), m);
        assertFalse(m.contains("Exception raised from"), "C++ trace should be cut: " + m);
        System.out.println("pytorch runtime shape error: " + m);
    }

    @Test
    void declaredShapeIsCheckedBeforeLibtorchRuns() throws PluginException {
        try (Session declared = runtime.open(file, Options.of(TorchScriptIo.INPUT_SHAPES, "mix=1x2x22050,spec=1x4x2048x22"))) {
            assertEquals(TensorType.f32(1, 4, 2048, 22), declared.inputTypes().get("spec"));
            PluginException e = assertThrows(PluginException.class, () -> declared.run(Map.of(
                    "mix", Tensor.zeros(TensorType.f32(1, 2, 22051)), "spec", input("white_noise/spec.npy"))));
            assertTrue(e.getMessage().contains("input mix"), e.getMessage());
            assertTrue(e.getMessage().contains("must have shape [1, 2, 22050]"), e.getMessage());
            assertTrue(e.getMessage().contains("got float32[1,2,22051]"), e.getMessage());
        }
    }

    @Test
    void optionNamesRenameTensors() throws PluginException {
        try (Session renamed = runtime.open(file, Options.of("inputs", "a,b", "outputs", "x,y"))) {
            Map<String, Tensor> out = renamed.run(Map.of(
                    "a", input("synth_song/mix.npy"), "b", input("synth_song/spec.npy")));
            assertEquals(List.of("x", "y"), List.copyOf(out.keySet()));
            assertArrayEquals(new int[] {1, 6, 2, 22050}, out.get("y").shape());
        }
    }

    @Test
    void optionNamingTheWrongNumberOfInputsFailsAtOpen() {
        PluginException e = assertThrows(PluginException.class, () -> runtime.open(file, Options.of("inputs", "mix")));
        assertTrue(e.getMessage().contains("forward(mix, spec)"), e.getMessage());
        assertTrue(e.getMessage().contains("takes 2"), e.getMessage());
    }

    @Test
    void threadsOptionSetsLibtorchIntraOpThreads() throws PluginException {
        int before = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        int wanted = before == 1 ? 2 : 1;
        try (Session s = runtime.open(file, Options.of(DjlTorchScriptRuntime.THREADS, Integer.toString(wanted)))) {
            assertEquals(List.of("mix", "spec"), List.copyOf(s.inputTypes().keySet()));
            assertEquals(wanted, ai.djl.pytorch.jni.JniUtils.getNumThreads());
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(before);
        }
    }

    @Test
    void negativeThreadsAreRefused() {
        PluginException e = assertThrows(PluginException.class,
                () -> runtime.open(file, Options.of(DjlTorchScriptRuntime.THREADS, "-2")));
        assertTrue(e.getMessage().contains("option threads must be >= 1"), e.getMessage());
    }

    @Test
    void closedSessionRefusesToRun() throws PluginException {
        Session s = runtime.open(file, Options.NONE);
        s.close();
        s.close();
        PluginException e = assertThrows(PluginException.class, () -> s.run(Map.of()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void graphsAreRefusedWithAPointer() {
        GraphBuilder b = new GraphBuilder("inner");
        b.output("y", b.input("x", TensorType.f32(1)));
        PluginException e = assertThrows(PluginException.class, () -> runtime.open(b.build(), Options.NONE));
        assertTrue(e.getMessage().startsWith("the pytorch runtime runs TorchScript files"), e.getMessage());
    }

    @Test
    void acceptsTorchScriptOnly(@TempDir Path dir) throws IOException {
        assertTrue(runtime.accepts(file));
        assertFalse(runtime.accepts(golden.file("model.th")), "a demucs checkpoint is not TorchScript");
        Path checkpointNamedPt = Files.copy(golden.file("model.th"), dir.resolve("state.pt"));
        assertFalse(runtime.accepts(checkpointNamedPt), "a torch.save zip has no code/ folder");
        Path text = Files.writeString(dir.resolve("notes.pt"), "not a zip");
        assertFalse(runtime.accepts(text));
        assertFalse(runtime.accepts(dir.resolve("missing.pt")));
        PluginException e = assertThrows(PluginException.class, () -> runtime.open(checkpointNamedPt, Options.NONE));
        assertTrue(e.getMessage().contains("is not a TorchScript file"), e.getMessage());
    }

    @Test
    void isDiscoveredAsRuntimePlugin() throws PluginException {
        ModelRuntime found = Plugins.fromClassPath().get(ModelRuntime.class, "pytorch");
        assertInstanceOf(DjlTorchScriptRuntime.class, found);
        assertTrue(found.description().contains("TorchScript") && found.description().contains("DJL"), found.description());
    }
}
