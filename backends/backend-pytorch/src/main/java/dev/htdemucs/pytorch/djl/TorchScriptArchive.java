package dev.htdemucs.pytorch.djl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads what we need of a TorchScript archive (the zip written by {@code torch.jit.save}) without libtorch:
 * whether a file is one, and the signature of its root module's {@code forward}.
 *
 * <p>Layout: every entry lives under one folder {@code <name>/}; {@code <name>/data.pkl} pickles the root
 * module, starting with a GLOBAL opcode naming its class (e.g. {@code __torch__ InnerHTDemucs}); the class is
 * defined as Python source in {@code <name>/code/__torch__.py} (module {@code __torch__}) or
 * {@code <name>/code/__torch__/a/b.py} (module {@code __torch__.a.b}). A plain {@code torch.save} archive
 * has {@code data.pkl} but no {@code code/} folder. Only the zip's central directory and two small entries
 * are read.
 */
final class TorchScriptArchive {
    /** File name endings the runtime accepts (compared in lower case). */
    static final List<String> EXTENSIONS = List.of(".pt", ".torchscript");

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final int PICKLE_PROTO = 0x80;
    private static final int PICKLE_GLOBAL = 'c';
    /** Generous bound for a root module's source file; TorchScript code files are kilobytes. */
    private static final long MAX_CODE_BYTES = 64L << 20;
    private static final Pattern PARAMETER = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*:\\s*(.+?)\\s*");
    private static final Pattern TUPLE = Pattern.compile("Tuple\\[(.*)]");

    private TorchScriptArchive() {
    }

    /** A regular file named {@code *.pt} or {@code *.torchscript} that is a zip with a {@code <name>/code/} folder. */
    static boolean isTorchScript(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (EXTENSIONS.stream().noneMatch(name::endsWith) || !Files.isRegularFile(file) || !startsWithZipMagic(file)) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return root(zip).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The root module's {@code forward} signature, or empty when the archive does not state it in a form we
     * read (non-tensor parameters, results other than a tensor or tuple of tensors, unfamiliar layout).
     */
    static Optional<TorchScriptSignature> readSignature(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Optional<String> root = root(zip);
            if (root.isEmpty()) {
                return Optional.empty();
            }
            Optional<String[]> rootClass = rootClass(zip, root.get());
            if (rootClass.isEmpty()) {
                return Optional.empty();
            }
            String module = rootClass.get()[0];
            String className = rootClass.get()[1];
            ZipEntry code = zip.getEntry(root.get() + "code/" + module.replace('.', '/') + ".py");
            if (code == null || code.getSize() > MAX_CODE_BYTES) {
                return Optional.empty();
            }
            String source;
            try (InputStream in = zip.getInputStream(code)) {
                source = new String(in.readNBytes((int) MAX_CODE_BYTES), StandardCharsets.UTF_8);
            }
            return parseForward(source, module + "." + className);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses {@code def forward(self: <qualifiedClass>, a: Tensor, ...) -> <results>:} in TorchScript source.
     * Visible for tests.
     */
    static Optional<TorchScriptSignature> parseForward(String source, String qualifiedClass) {
        Matcher m = Pattern.compile("def forward\\(\\s*self\\s*:\\s*" + Pattern.quote(qualifiedClass)
                + "\\s*(,(?<params>[^)]*))?\\)\\s*->\\s*(?<result>[^\\n]*?)\\s*:\\s*\\n").matcher(source);
        if (!m.find()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        String params = m.group("params");
        if (params != null && !params.isBlank()) {
            for (String parameter : splitTopLevel(params)) {
                Matcher p = PARAMETER.matcher(parameter);
                if (!p.matches() || !p.group(2).equals("Tensor")) {
                    return Optional.empty();
                }
                names.add(p.group(1));
            }
        }
        String result = m.group("result").strip();
        int outputs;
        if (result.equals("Tensor")) {
            outputs = 1;
        } else {
            Matcher tuple = TUPLE.matcher(result);
            if (!tuple.matches()) {
                return Optional.empty();
            }
            List<String> parts = splitTopLevel(tuple.group(1));
            if (parts.stream().anyMatch(t -> !t.strip().equals("Tensor"))) {
                return Optional.empty();
            }
            outputs = parts.size();
        }
        return outputs == 0 ? Optional.empty() : Optional.of(new TorchScriptSignature(names, outputs));
    }

    /** Splits at commas outside brackets, dropping a trailing empty part. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (!text.substring(start).isBlank()) {
            parts.add(text.substring(start));
        }
        return parts;
    }

    /** The archive's single top folder with a slash ({@code "inner.torchscript/"}) if it holds {@code code/}. */
    private static Optional<String> root(ZipFile zip) {
        String root = null;
        boolean hasCode = false;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash <= 0) {
                return Optional.empty();
            }
            String top = name.substring(0, slash + 1);
            if (root == null) {
                root = top;
            } else if (!root.equals(top)) {
                return Optional.empty();
            }
            hasCode |= name.startsWith(top + "code/") && name.endsWith(".py");
        }
        return hasCode ? Optional.of(root) : Optional.empty();
    }

    /** Module and class of the root module from the first GLOBAL opcode of {@code data.pkl}. */
    private static Optional<String[]> rootClass(ZipFile zip, String root) throws IOException {
        ZipEntry data = zip.getEntry(root + "data.pkl");
        if (data == null) {
            return Optional.empty();
        }
        byte[] head;
        try (InputStream in = zip.getInputStream(data)) {
            head = in.readNBytes(1024);
        }
        int pos = 0;
        if (head.length > 2 && (head[0] & 0xff) == PICKLE_PROTO) {
            pos = 2;
        }
        if (pos >= head.length || head[pos] != PICKLE_GLOBAL) {
            return Optional.empty();
        }
        String text = new String(head, pos + 1, head.length - pos - 1, StandardCharsets.US_ASCII);
        String[] lines = text.split("\n", 3);
        if (lines.length < 3 || !lines[0].startsWith("__torch__") || lines[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new String[] {lines[0], lines[1]});
    }

    private static boolean startsWithZipMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(ZIP_MAGIC.length);
            return java.util.Arrays.equals(head, ZIP_MAGIC);
        } catch (IOException e) {
            return false;
        }
    }
}
