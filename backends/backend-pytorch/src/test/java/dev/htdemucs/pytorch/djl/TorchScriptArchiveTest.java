package dev.htdemucs.pytorch.djl;

import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchScriptArchiveTest {

    @Test
    void goldenInnerModelDeclaresMixAndSpecAndTwoResults() {
        Path file = Golden.tiny6().file("inner.torchscript.pt");
        assertTrue(TorchScriptArchive.isTorchScript(file));
        assertEquals(Optional.of(new TorchScriptSignature(List.of("mix", "spec"), 2)), TorchScriptArchive.readSignature(file));
    }

    @Test
    void parsesSingleTensorResultAndNestedModule() {
        String source = "class Net(Module):\n  def forward(self: __torch__.a.b.Net,\n    x: Tensor) -> Tensor:\n    return x\n";
        assertEquals(Optional.of(new TorchScriptSignature(List.of("x"), 1)),
                TorchScriptArchive.parseForward(source, "__torch__.a.b.Net"));
    }

    @Test
    void forwardOfAnotherClassIsNotTaken() {
        String source = "class Inner(Module):\n  def forward(self: __torch__.Inner,\n    x: Tensor) -> Tensor:\n    return x\n"
                + "class Outer(Module):\n  def forward(self: __torch__.Outer,\n    a: Tensor,\n    b: Tensor) -> Tuple[Tensor, Tensor, Tensor]:\n";
        assertEquals(Optional.of(new TorchScriptSignature(List.of("a", "b"), 3)),
                TorchScriptArchive.parseForward(source, "__torch__.Outer"));
    }

    @Test
    void nonTensorParametersOrResultsLeaveTheSignatureUnknown() {
        assertEquals(Optional.empty(), TorchScriptArchive.parseForward(
                "  def forward(self: __torch__.M,\n    x: Tensor,\n    n: int) -> Tensor:\n", "__torch__.M"));
        assertEquals(Optional.empty(), TorchScriptArchive.parseForward(
                "  def forward(self: __torch__.M,\n    x: Tensor) -> Dict[str, Tensor]:\n", "__torch__.M"));
        assertEquals(Optional.empty(), TorchScriptArchive.parseForward(
                "  def forward(self: __torch__.M,\n    x: Tensor) -> Tuple[Tensor, List[Tensor]]:\n", "__torch__.M"));
    }

    @Test
    void syntheticArchiveIsReadThroughItsPickledRootClass(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("net.torchscript");
        writeZip(file, "net/data.pkl", "\u0080\u0002c__torch__.models\nNet\nq\u0000",
                "net/code/__torch__/models.py",
                "class Net(Module):\n  def forward(self: __torch__.models.Net,\n    audio: Tensor) -> Tuple[Tensor, Tensor]:\n");
        assertTrue(TorchScriptArchive.isTorchScript(file));
        assertEquals(Optional.of(new TorchScriptSignature(List.of("audio"), 2)), TorchScriptArchive.readSignature(file));
    }

    @Test
    void plainTorchSaveZipIsNotTorchScript(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.pt");
        writeZip(file, "archive/data.pkl", "\u0080\u0002}q\u0000.", "archive/version", "3\n");
        assertFalse(TorchScriptArchive.isTorchScript(file));
        assertEquals(Optional.empty(), TorchScriptArchive.readSignature(file));
    }

    @Test
    void otherExtensionsAreNotAccepted(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("net.zip");
        writeZip(file, "net/data.pkl", "\u0080\u0002c__torch__\nNet\n", "net/code/__torch__.py", "");
        assertFalse(TorchScriptArchive.isTorchScript(file));
    }

    /** Writes entries given as name, content pairs; content chars are bytes (ISO-8859-1). */
    private static void writeZip(Path file, String... namesAndContents) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry(namesAndContents[i]));
                zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.ISO_8859_1));
                zip.closeEntry();
            }
        }
    }
}
