package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.testsupport.PickleWriter;
import dev.htdemucs.testsupport.ZipWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malicious pickles, written byte by byte into torch-style zips: code-running globals must be refused by
 * name (with the file), their side effect (creating a marker file) must not happen, and unknown classes
 * must stay inert data.
 */
class HostileCheckpointTest {
    @TempDir
    Path dir;
    private Path marker;
    private Path model;

    @BeforeEach
    void paths() {
        marker = dir.resolve("pwned");
        model = dir.resolve("model.th");
    }

    /** A package whose training_args value is produced by {@code payload}. */
    private Path packageWithTrainingArgs(Consumer<PickleWriter> payload) throws IOException {
        PickleWriter b = PickleWriter.protocol2().beginPackage().stateWithOneTensor("w", "0", 2).string("training_args");
        payload.accept(b);
        return ZipWriter.torchArchive(b.endPackage().toByteArray()).halfStorage("0", (short) 0x3c00, (short) 0x4000)
                .write(model);
    }

    private UnsafePickleException refused(Path file, String global) {
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> Checkpoint.open(file));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertTrue(e.getMessage().contains(global), "message should name " + global + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "message should name the file: " + e.getMessage());
        assertFalse(Files.exists(marker), "the payload ran: " + marker + " exists");
        return e;
    }

    private String touch() {
        return "touch " + marker;
    }

    private String python() {
        return "open('" + marker + "', 'w').close()";
    }

    @Test
    void osSystemIsRefused() throws IOException {
        refused(packageWithTrainingArgs(b -> b.global("os", "system").string(touch()).tuple1().reduce()), "os.system");
    }

    @ParameterizedTest
    @CsvSource({"posix,system", "nt,system", "os,popen", "subprocess,check_output", "subprocess,call",
            "subprocess,getoutput", "pty,spawn", "os.path,join"})
    void shellGlobalsAreRefused(String module, String name) throws IOException {
        refused(packageWithTrainingArgs(b -> b.global(module, name).string(touch()).tuple1().reduce()), module + "." + name);
    }

    @ParameterizedTest
    @CsvSource({"builtins,eval", "builtins,exec", "__builtin__,eval", "builtins,getattr", "builtins,__import__",
            "builtins,open", "builtins,compile"})
    void evaluatingBuiltinsAreRefused(String module, String name) throws IOException {
        refused(packageWithTrainingArgs(b -> b.global(module, name).string(python()).tuple1().reduce()), module + "." + name);
    }

    @Test
    void subprocessPopenIsRefusedThroughReduceAndNewobj() throws IOException {
        refused(packageWithTrainingArgs(b -> b.global("subprocess", "Popen")
                .emptyList().mark().string("touch").string(marker.toString()).appends().tuple1().reduce()), "subprocess.Popen");
        refused(packageWithTrainingArgs(b -> b.global("subprocess", "Popen")
                .emptyList().mark().string("touch").string(marker.toString()).appends().tuple1().newobj()), "subprocess.Popen");
    }

    @Test
    void stackGlobalIsRefusedLikeGlobal() throws IOException {
        refused(packageWithTrainingArgs(b -> b.stackGlobal("os", "system").string(touch()).tuple1().reduce()), "os.system");
    }

    @ParameterizedTest
    @CsvSource({"torch,load", "torch.hub,load", "torch.serialization,load", "torch._C,_jit_set_profiling_mode",
            "numpy.core.multiarray,_reconstruct", "numpy,load", "importlib,import_module", "pickle,loads",
            "_pickle,loads", "marshal,loads", "functools,partial", "operator,attrgetter", "runpy,_run_code",
            "codecs,decode", "io,open", "shutil,rmtree", "socket,create_connection", "sys,exit", "types,FunctionType",
            "ctypes,CDLL", "copyreg,_reconstructor", "webbrowser,open", "__main__,Payload"})
    void otherCodeReachingGlobalsAreRefused(String module, String name) throws IOException {
        refused(packageWithTrainingArgs(b -> b.global(module, name).emptyTuple().reduce()), module + "." + name);
    }

    @Test
    void globalsNestedInsideContainersAreRefused() throws IOException {
        // deep inside training_args: {'a': [1, (os.system,)]}
        refused(packageWithTrainingArgs(b -> b.emptyDict().string("a").emptyList().mark().integer(1)
                .global("os", "system").tuple1().appends().setitem()), "os.system");
        // as a kwargs value
        byte[] inKwargs = PickleWriter.protocol2().emptyDict().mark()
                .string("klass").global("demucs.htdemucs", "HTDemucs")
                .string("kwargs").emptyDict().string("segment").global("builtins", "eval").string(python()).tuple1().reduce()
                .setitem().string("state").emptyDict().endPackage().toByteArray();
        refused(ZipWriter.torchArchive(inKwargs).write(model), "builtins.eval");
        // as a state entry, in place of a tensor
        byte[] inState = PickleWriter.protocol2().beginPackage().string("state").emptyDict().string("w")
                .global("subprocess", "run").string(touch()).tuple1().reduce().setitem().endPackage().toByteArray();
        refused(ZipWriter.torchArchive(inState).write(model), "subprocess.run");
        // as the argument of an allowed constructor
        byte[] inFraction = PickleWriter.protocol2().beginPackage().string("seg").global("fractions", "Fraction")
                .global("os", "system").string(touch()).tuple1().reduce().tuple1().reduce()
                .string("state").emptyDict().endPackage().toByteArray();
        refused(ZipWriter.torchArchive(inFraction).write(model), "os.system");
    }

    @Test
    void instAndObjAreRefused() throws IOException {
        refused(packageWithTrainingArgs(b -> b.mark().string(touch()).raw('i').raw("os\nsystem\n".getBytes())), "os.system");
        refused(packageWithTrainingArgs(b -> b.mark().raw('i').raw("evil.payload\nPayload\n".getBytes())),
                "evil.payload.Payload");
        UnsafePickleException obj = refused(packageWithTrainingArgs(b -> b.mark().global("evil", "Payload").raw('o')),
                "OBJ");
        assertTrue(obj.getMessage().contains("evil.Payload"), obj.getMessage());
    }

    @Test
    void extensionCodesAreRefused() throws IOException {
        refused(packageWithTrainingArgs(b -> b.raw(0x82).raw(1)), "EXT1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"os system", "os\u0000", "os;rm -rf", "1os", ".os", "os.", "o\u00e9s"})
    void malformedGlobalNamesAreRefused(String module) throws IOException {
        UnsafePickleException e = refused(packageWithTrainingArgs(b -> b.stackGlobal(module, "system")), "refused global");
        assertTrue(e.getMessage().contains("dotted Python identifiers"), e.getMessage());
    }

    @Test
    void unknownClassesStayInertData() throws IOException {
        // training_args = evil.Payload.__new__(evil.Payload, 'touch ...') then BUILD {'cmd': ...}: recorded, never run
        Checkpoint c = Checkpoint.open(packageWithTrainingArgs(b -> b.global("evil", "Payload").string(touch()).tuple1()
                .newobj().emptyDict().string("cmd").string(touch()).setitem().build()));
        PickledObject payload = assertInstanceOf(PickledObject.class, c.trainingArgsValue());
        assertEquals(new ClassRef("evil", "Payload"), payload.classRef());
        assertEquals(List.of(touch()), payload.args());
        assertEquals(Map.of("cmd", touch()), payload.state());
        assertEquals(Map.of("cmd", touch()), c.trainingArgs());
        assertFalse(Files.exists(marker));
        assertEquals(1, c.state().size());

        // REDUCE on an unknown callable is recorded the same way
        Checkpoint reduced = Checkpoint.open(packageWithTrainingArgs(b -> b.global("evil.tools", "run")
                .string(touch()).tuple1().reduce()));
        PickledObject run = assertInstanceOf(PickledObject.class, reduced.trainingArgsValue());
        assertEquals("evil.tools.run", run.classRef().qualifiedName());
        assertFalse(Files.exists(marker));
    }

    @Test
    void unknownObjectInPlaceOfATensorIsAFormatError() throws IOException {
        byte[] pickle = PickleWriter.protocol2().beginPackage().string("state").emptyDict().string("w")
                .global("evil", "Tensor").emptyTuple().newobj().setitem().endPackage().toByteArray();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.open(ZipWriter.torchArchive(pickle).write(model)));
        assertTrue(e.getMessage().contains("state entry 'w' is a evil.Tensor instance, expected a tensor"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ storages

    private Path packageWithTensor(Consumer<PickleWriter> tensor, ZipWriter.Storages storages) throws IOException {
        PickleWriter b = PickleWriter.protocol2().beginPackage().string("state").emptyDict().string("w");
        tensor.accept(b);
        b.setitem();
        ZipWriter w = ZipWriter.torchArchive(b.endPackage().toByteArray());
        storages.addTo(w);
        return w.write(model);
    }

    private CheckpointFormatException formatError(Path file, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(file));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
        assertTrue(e.getMessage().contains(file.toString()), "message should name the file: " + e.getMessage());
        return e;
    }

    @Test
    void unknownStorageTypesAreRefused() throws IOException {
        // a torch storage class the reader does not support is a refused torch global
        refused(packageWithTensor(b -> b.tensor("ComplexFloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}),
                w -> w.halfStorage("0", (short) 0, (short) 0)), "torch.ComplexFloatStorage");
        // any other class named as storage type is not a storage
        Path file = packageWithTensor(b -> b.global("torch._utils", "_rebuild_tensor_v2").mark()
                        .mark().string("storage").global("evil", "Storage").string("0").string("cpu").integer(2).tuple().binpersid()
                        .integer(0).mark().integer(2).tuple().mark().integer(1).tuple().bool(false).none().tuple().reduce(),
                w -> w.halfStorage("0", (short) 0, (short) 0));
        formatError(file, "persistent id names storage type global evil.Storage");
    }

    @Test
    void persistentIdMustNameAnExistingKey() throws IOException {
        Path file = packageWithTensor(b -> b.tensor("HalfStorage", "7", 2, 0, new long[] {2}, new long[] {1}),
                w -> w.halfStorage("0", (short) 0, (short) 0));
        formatError(file, "storage '7' has no zip entry archive/data/7");
    }

    @Test
    void persistentIdMustBeAStorageTuple() throws IOException {
        Path file = packageWithTensor(b -> b.string("storage").binpersid(), w -> w.halfStorage("0", (short) 0));
        formatError(file, "persistent id str", "expected ('storage', <torch storage type>, key, location, numel)");
        Path shortTuple = packageWithTensor(b -> b.mark().string("storage").global("torch", "HalfStorage").string("0")
                .tuple().binpersid(), w -> w.halfStorage("0", (short) 0));
        formatError(shortTuple, "persistent id ('storage', global torch.HalfStorage, '0')");
    }

    @Test
    void storageDeclaredLargerThanItsEntryIsRefused() throws IOException {
        Path file = packageWithTensor(b -> b.tensor("HalfStorage", "0", 100, 0, new long[] {100}, new long[] {1}),
                w -> w.storage("0", new byte[10]));
        formatError(file, "storage '0' declares 100 float16 elements (200 bytes) but zip entry archive/data/0 holds 10 bytes");
        Path huge = packageWithTensor(b -> b.tensor("DoubleStorage", "0", Long.MAX_VALUE / 4, 0, new long[] {1},
                new long[] {1}), w -> w.storage("0", new byte[8]));
        formatError(huge, "storage '0' declares " + (Long.MAX_VALUE / 4) + " float64 elements");
    }

    @Test
    void tensorReachingPastItsStorageIsNamed() throws IOException {
        Path tooLong = packageWithTensor(b -> b.tensor("HalfStorage", "0", 4, 0, new long[] {8}, new long[] {1}),
                w -> w.storage("0", new byte[8]));
        formatError(tooLong, "tensor 'w' float16[8]", "reaches element 7 of storage '0', which has 4 elements");
        Path offset = packageWithTensor(b -> b.tensor("HalfStorage", "0", 4, 3, new long[] {2, 2}, new long[] {2, 1}),
                w -> w.storage("0", new byte[8]));
        formatError(offset, "tensor 'w' float16[2,2] with storage offset 3", "reaches element 6");
        Path overflow = packageWithTensor(b -> b.tensor("HalfStorage", "0", 4, 0, new long[] {3}, new long[] {Long.MAX_VALUE / 2}),
                w -> w.storage("0", new byte[8]));
        formatError(overflow, "tensor 'w'", "of storage '0', which has 4 elements");
    }

    // ------------------------------------------------------------------------------------------ files

    @Test
    void legacyTorchFilesAreRefusedWithAHint() throws IOException {
        // torch < 1.6: a bare pickle stream starting with the magic number 0x1950a86a20f9469cfc6c
        Path legacy = Files.write(dir.resolve("legacy.th"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c,
                (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e});
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(legacy));
        assertEquals("legacy torch serialization is not supported; re-save with torch>=1.6 (" + legacy + ")", e.getMessage());
        // torch < 0.4: a tar archive
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(), 0, tar, 257, 5);
        Path tarFile = Files.write(dir.resolve("legacy.tar"), tar);
        e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(tarFile));
        assertEquals("legacy torch serialization is not supported; re-save with torch>=1.6 (" + tarFile + ")", e.getMessage());
    }

    @Test
    void nonZipFilesAreRefused() throws IOException {
        Path text = Files.writeString(dir.resolve("model.th"), "<html>not found</html>");
        formatError(text, "not a torch checkpoint: expected a zip archive (torch>=1.6 format) but the file starts with bytes 3c 68 74 6d");
        Path empty = Files.write(dir.resolve("empty.th"), new byte[0]);
        formatError(empty, "the file is empty");
    }

    @Test
    void truncatedZipIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(ZipWriter.torchArchive(PickleWriter.protocol2().beginPackage()
                .stateWithOneTensor("w", "0", 2).endPackage().toByteArray()).halfStorage("0", (short) 1, (short) 2).write(model));
        for (int cut : new int[] {whole.length / 2, whole.length - 10, 40}) {
            Path truncated = Files.write(dir.resolve("cut" + cut + ".th"), java.util.Arrays.copyOf(whole, cut));
            formatError(truncated, "truncated");
        }
    }

    @Test
    void zipWithoutPickleIsNotACheckpoint() throws IOException {
        ZipWriter w = new ZipWriter().entry("archive/readme.txt", "hi".getBytes());
        formatError(w.write(model), "the zip has no <folder>/data.pkl entry");
    }

    @Test
    void corruptPickleEntryFailsItsChecksum() throws IOException {
        byte[] pickle = PickleWriter.protocol2().beginPackage().stateWithOneTensor("w", "0", 2).endPackage().toByteArray();
        byte[] zip = Files.readAllBytes(ZipWriter.torchArchive(pickle).halfStorage("0", (short) 1, (short) 2).write(model));
        // flip a byte inside the pickle's 'klass' string
        int at = indexOf(zip, "klass".getBytes());
        zip[at] = 'K';
        Files.write(model, zip);
        formatError(model, "zip entry archive/data.pkl is corrupt: CRC-32");
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void rootMustBeADemucsPackage() throws IOException {
        Path noState = ZipWriter.torchArchive(PickleWriter.protocol2().emptyDict().string("klass")
                .global("demucs.htdemucs", "HTDemucs").setitem().stop().toByteArray()).write(model);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(noState));
        assertEquals("not a demucs model package (missing 'state') (" + noState + ")", e.getMessage());

        Path list = ZipWriter.torchArchive(PickleWriter.protocol2().emptyList().stop().toByteArray()).write(dir.resolve("list.th"));
        formatError(list, "not a demucs model package (the pickle holds a list[0], expected a dict)");

        Path quantized = ZipWriter.torchArchive(PickleWriter.protocol2().beginPackage().string("state").emptyDict()
                .string("__quantized").bool(true).setitem().endPackage().toByteArray()).write(dir.resolve("q.th"));
        formatError(quantized, "quantized (diffq) demucs state is not supported");
    }

    @Test
    void torchScriptArchiveIsNotAModelPackage() throws IOException {
        Path ts = dev.htdemucs.golden.Golden.tiny6().file("inner.torchscript.pt");
        formatError(ts, "not a demucs model package (the pickle holds a __torch__.InnerHTDemucs instance, expected a dict)");
    }
}
