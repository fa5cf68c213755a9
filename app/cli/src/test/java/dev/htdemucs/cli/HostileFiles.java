package dev.htdemucs.cli;

import dev.htdemucs.golden.Golden;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Broken and malicious model and data files, written byte by byte from the bundled tiny6 set. */
final class HostileFiles {
    private HostileFiles() {}

    /** The first {@code fraction} of {@code source}'s bytes. */
    static Path truncated(Path source, double fraction, Path to) throws IOException {
        byte[] all = Files.readAllBytes(source);
        return Files.write(to, Arrays.copyOf(all, (int) (all.length * fraction)));
    }

    /** tiny6's checkpoint cut in half: the zip's central directory is gone. */
    static Path truncatedCheckpoint(Path to) throws IOException {
        return truncated(Golden.tiny6().file("model.th"), 0.5, to);
    }

    /**
     * A torch-style zip whose pickle calls {@code os.system("touch <marker>")}: GLOBAL 'os system',
     * BINUNICODE command, TUPLE1, REDUCE, STOP.
     */
    static Path unsafePickleCheckpoint(Path to, Path marker) throws IOException {
        byte[] command = ("touch " + marker).getBytes(StandardCharsets.UTF_8);
        ByteBuffer pickle = ByteBuffer.allocate(64 + command.length).order(ByteOrder.LITTLE_ENDIAN);
        pickle.put(new byte[]{(byte) 0x80, 2}).put("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        pickle.put((byte) 'X').putInt(command.length).put(command);
        pickle.put((byte) 0x85).put((byte) 'R').put((byte) '.');
        try (OutputStream os = Files.newOutputStream(to); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle.array(), 0, pickle.position());
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return to;
    }

    /** tiny6's inner ONNX model cut to its first third. */
    static Path corruptOnnx(Path to) throws IOException {
        return truncated(Golden.tiny6().file("inner.onnx"), 1 / 3.0, to);
    }

    /** A package with a valid manifest and half of a model.mlmodel. */
    static Path corruptMlpackage(Path to) throws IOException {
        String golden = "coremltools_fp16.mlpackage/";
        Files.createDirectories(to.resolve("Data/com.apple.CoreML/weights"));
        Files.copy(Golden.tiny6().file(golden + "Manifest.json"), to.resolve("Manifest.json"));
        truncated(Golden.tiny6().file(golden + "Data/com.apple.CoreML/model.mlmodel"), 0.5,
                to.resolve("Data/com.apple.CoreML/model.mlmodel"));
        Files.write(to.resolve("Data/com.apple.CoreML/weights/weight.bin"), new byte[64]);
        return to;
    }

    /** An .npy whose header dict stops in the middle. */
    static Path badNpy(Path to) throws IOException {
        return Files.write(to, "\u0093NUMPY\u0001\u0000\u0020\u0000{'descr': '<f4', 'fortran_order'".getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A well-formed .npy header announcing 10^13 floats, followed by 16 bytes. */
    static Path hugeShapeNpy(Path to) throws IOException {
        return npyHeader(to, "(100000, 100000, 1000)");
    }

    private static Path npyHeader(Path to, String shape) throws IOException {
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
        while ((10 + header.length() + 1) % 64 != 0) header.append(' ');
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.US_ASCII));
        return Files.write(to, b.array());
    }
}
