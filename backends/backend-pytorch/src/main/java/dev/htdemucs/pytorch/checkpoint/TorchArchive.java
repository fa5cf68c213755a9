package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A file written by {@code torch.save} in the zip format of torch 1.6 and later:
 * {@code <prefix>/data.pkl} (the pickle), {@code <prefix>/data/<key>} (one entry per storage, raw
 * little-endian elements), {@code <prefix>/version} and, since torch 2, {@code <prefix>/byteorder}.
 * {@link #load()} unpickles {@code data.pkl} with the {@link SafeUnpickler}, resolving each persistent id
 * {@code ('storage', StorageType, key, location, numel)} to a memory-mapped {@link TensorStorage}.
 *
 * <p>Legacy torch files (a bare pickle stream or a tar, before torch 1.6) are refused with a message
 * saying how to convert them.
 */
public final class TorchArchive implements AutoCloseable {

    /** data.pkl of the largest released demucs models is well under 1 MiB. */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    static final long MAX_SMALL_ENTRY_BYTES = 4096;

    /** What {@link #load()} read. */
    public record Contents(Object root, Map<String, TensorStorage> storages, Set<String> globals,
                           Map<String, Long> opcodeCounts) {
    }

    private final ZipArchive zip;
    private final String prefix;
    private final String version;
    private final String byteOrder;

    private TorchArchive(ZipArchive zip, String prefix, String version, String byteOrder) {
        this.zip = zip;
        this.prefix = prefix;
        this.version = version;
        this.byteOrder = byteOrder;
    }

    /** Opens a torch zip checkpoint; legacy and non-zip files fail with a message naming the file. */
    public static TorchArchive open(Path file) throws IOException {
        rejectIfNotZip(file);
        ZipArchive zip = ZipArchive.open(file);
        try {
            String prefix = findPrefix(zip);
            String version = readSmallText(zip, prefix + "version").orElse(null);
            Optional<String> byteOrder = readSmallText(zip, prefix + "byteorder");
            if (byteOrder.isPresent() && !byteOrder.get().equals("little")) {
                throw new CheckpointFormatException("torch archive with byteorder '"
                        + GlobalPolicy.printable(byteOrder.get()) + "' is not supported, expected 'little' (" + file + ")");
            }
            return new TorchArchive(zip, prefix, version, byteOrder.orElse("little"));
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    public Path file() {
        return zip.file();
    }

    /** The archive's top-level folder including the trailing slash, e.g. {@code "model/"} or {@code "archive/"}. */
    public String prefix() {
        return prefix;
    }

    /** Content of {@code <prefix>/version} (the serialization format version, "3" for torch 1.13), if present. */
    public Optional<String> formatVersion() {
        return Optional.ofNullable(version);
    }

    /** "little" (declared, or implied when the archive predates the byteorder entry). */
    public String byteOrder() {
        return byteOrder;
    }

    /** Keys of the storage entries present ({@code <prefix>/data/<key>}). */
    public Set<String> storageKeys() {
        Set<String> keys = new TreeSet<>();
        String dataPrefix = prefix + "data/";
        for (ZipArchive.Entry e : zip.entries()) {
            if (e.name().startsWith(dataPrefix) && e.name().length() > dataPrefix.length()) {
                keys.add(e.name().substring(dataPrefix.length()));
            }
        }
        return keys;
    }

    /** Unpickles {@code data.pkl}; storages are mapped as the pickle references them. */
    public Contents load() throws IOException {
        String pickleName = prefix + "data.pkl";
        ZipArchive.Entry entry = zip.entry(pickleName).orElseThrow();
        byte[] pickle = zip.read(entry, MAX_PICKLE_BYTES);
        StorageResolver storages = new StorageResolver();
        SafeUnpickler unpickler = new SafeUnpickler(pickle, pickleName, file().toString(), storages::resolve);
        Object root = unpickler.load();
        return new Contents(root, Collections.unmodifiableMap(storages.byKey), unpickler.globalsSeen(),
                unpickler.opcodeCounts());
    }

    /** Closes the file; storages already mapped stay readable. */
    @Override
    public void close() throws IOException {
        zip.close();
    }

    // ------------------------------------------------------------------------------------------ storages

    /** Resolves torch's persistent ids; one mapping per storage key, shared by all tensors viewing it. */
    private final class StorageResolver {
        private final Map<String, TensorStorage> byKey = new HashMap<>();
        private final Map<String, ByteBuffer> entryBytes = new HashMap<>();

        Object resolve(Object pid, String where) throws IOException {
            if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
                throw new CheckpointFormatException("persistent id " + describe(pid) + " " + where
                        + ": expected ('storage', <torch storage type>, key, location, numel)");
            }
            if (!(t.get(1) instanceof TorchStorageType type)) {
                throw new CheckpointFormatException("persistent id names storage type " + PythonValues.typeName(t.get(1))
                        + " " + where + ": expected one of torch.HalfStorage, FloatStorage, BFloat16Storage, "
                        + "DoubleStorage, LongStorage, IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage");
            }
            if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String location) || !(t.get(4) instanceof Long numel)) {
                throw new CheckpointFormatException("persistent id " + describe(pid) + " " + where
                        + ": expected a string key, a string location and an int numel");
            }
            if (numel < 0) {
                throw new CheckpointFormatException("storage '" + GlobalPolicy.printable(key) + "' declares " + numel
                        + " elements " + where);
            }
            TensorStorage known = byKey.get(key);
            if (known != null && known.storageType() == type && known.numel() == numel) {
                return known;
            }
            if (known != null && known.storageType() != type) {
                throw new CheckpointFormatException("storage '" + GlobalPolicy.printable(key) + "' is referenced as "
                        + known.storageType().qualifiedName() + " and as " + type.qualifiedName() + " " + where);
            }
            String entryName = prefix + "data/" + key;
            ZipArchive.Entry entry = zip.entry(entryName).orElseThrow(() -> new CheckpointFormatException(
                    "storage '" + GlobalPolicy.printable(key) + "' has no zip entry " + GlobalPolicy.printable(entryName)
                            + " " + where));
            long elementSize = type.dtype().byteSize();
            long needed = numel > Long.MAX_VALUE / elementSize ? Long.MAX_VALUE : numel * elementSize;
            if (needed > entry.size()) {
                throw new CheckpointFormatException("storage '" + GlobalPolicy.printable(key) + "' declares " + numel
                        + " " + type.dtype() + " elements (" + needed + " bytes) but zip entry " + entryName + " holds "
                        + entry.size() + " bytes " + where);
            }
            ByteBuffer bytes = entryBytes.get(key);
            if (bytes == null) {
                bytes = zip.bytes(entry, entry.size());
                entryBytes.put(key, bytes);
            }
            ByteBuffer view = bytes.duplicate();
            view.position(0).limit((int) needed);
            TensorStorage storage = new TensorStorage(key, type, location, numel, view.slice(), entry.isStored(),
                    file().toString());
            if (known == null || numel > known.numel()) {
                byKey.put(key, storage);
            }
            return storage;
        }
    }

    private static String describe(Object pid) {
        if (pid instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object o : list) {
                parts.add(o instanceof String s ? "'" + GlobalPolicy.printable(s) + "'"
                        : o instanceof Long l ? l.toString() : PythonValues.typeName(o));
            }
            return "(" + String.join(", ", parts) + ")";
        }
        return PythonValues.typeName(pid);
    }

    // ------------------------------------------------------------------------------------------ opening

    /** Tells legacy torch files and other non-zip files apart before the zip reader sees them. */
    private static void rejectIfNotZip(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        boolean zipMagic = n >= 4 && head[0] == 'P' && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
        if (zipMagic) {
            return;
        }
        // torch < 1.6 wrote a bare pickle stream (starting with PROTO and the magic number 0x1950a86a20f9469cfc6c),
        // and torch < 0.4 a tar archive
        boolean legacyPickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 0 && head[1] <= 5;
        boolean legacyTar = n >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
        if (legacyPickle || legacyTar) {
            throw new CheckpointFormatException("legacy torch serialization is not supported; re-save with torch>=1.6 ("
                    + file + ")");
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            hex.append(String.format("%02x ", head[i] & 0xff));
        }
        throw new CheckpointFormatException("not a torch checkpoint: expected a zip archive (torch>=1.6 format) but "
                + (n == 0 ? "the file is empty" : "the file starts with bytes " + hex.toString().strip()) + " (" + file + ")");
    }

    /** torch keeps every record under one top-level folder, named after the file when it was saved. */
    private static String findPrefix(ZipArchive zip) throws CheckpointFormatException {
        List<String> candidates = new ArrayList<>();
        for (ZipArchive.Entry e : zip.entries()) {
            String name = e.name();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                candidates.add(name.substring(0, slash + 1));
            }
        }
        if (candidates.size() != 1) {
            throw new CheckpointFormatException(candidates.isEmpty()
                    ? "not a torch checkpoint: the zip has no <folder>/data.pkl entry (" + zip.file() + ")"
                    : "ambiguous torch checkpoint: data.pkl under several folders " + candidates + " (" + zip.file() + ")");
        }
        return candidates.get(0);
    }

    private static Optional<String> readSmallText(ZipArchive zip, String name) throws IOException {
        Optional<ZipArchive.Entry> entry = zip.entry(name);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new String(zip.read(entry.get(), MAX_SMALL_ENTRY_BYTES), StandardCharsets.UTF_8).strip());
    }
}
