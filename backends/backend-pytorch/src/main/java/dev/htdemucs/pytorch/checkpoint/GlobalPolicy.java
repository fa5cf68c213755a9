package dev.htdemucs.pytorch.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides what a pickle global ({@code GLOBAL module name} / {@code STACK_GLOBAL}) becomes. This is the
 * single place of the reader's allow-list and deny-list (modelled on torch's
 * {@code torch/_weights_only_unpickler.py}).
 *
 * <ol>
 *   <li>Exact names the reader implements itself, in Java, as pure data constructors
 *       ({@link AllowedGlobal}) and the typed storage classes ({@link TorchStorageType}).</li>
 *   <li>Refused: every other name in a module that can run code, touch the system or deserialize more
 *       code (builtins, os, subprocess, importlib, pickle, ...), every other {@code torch} name, and
 *       numpy. The file is rejected with an {@link UnsafePickleException} naming the global.</li>
 *   <li>Any other well-formed name (e.g. {@code demucs.htdemucs.HTDemucs}, {@code argparse.Namespace})
 *       becomes an inert {@link ClassRef}.</li>
 * </ol>
 *
 * <p>Safety does not rest on the deny-list: nothing a pickle names is ever imported or called, and
 * REDUCE/NEWOBJ/BUILD on a {@link ClassRef} only record arguments in a {@link PickledObject}. The
 * deny-list exists so that a file which tries to run code is rejected loudly instead of being loaded
 * with the attempt silently embedded in it.
 */
final class GlobalPolicy {

    /** Globals the reader implements in Java. */
    enum AllowedGlobal {
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils", "_rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
        ORDERED_DICT("collections", "OrderedDict"),
        FRACTION("fractions", "Fraction"),
        /** Protocol 2 pickles sets as {@code set([items])}. */
        SET("builtins", "set"),
        FROZENSET("builtins", "frozenset"),
        BYTEARRAY("builtins", "bytearray"),
        /** Protocol 2 pickles bytes as {@code _codecs.encode(text, 'latin1')}. */
        CODECS_ENCODE("_codecs", "encode");

        private final String module;
        private final String name;

        AllowedGlobal(String module, String name) {
            this.module = module;
            this.name = name;
        }

        String qualifiedName() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return qualifiedName();
        }
    }

    /**
     * Modules (and their submodules) whose names are refused unless listed in {@link AllowedGlobal}:
     * they can execute code, reach the file system, network or processes, or load further code.
     */
    static final Set<String> REFUSED_MODULES = Set.of(
            "builtins", "__builtin__", "__builtins__", "os", "posix", "nt", "posixpath", "ntpath", "genericpath",
            "subprocess", "_posixsubprocess", "sys", "shutil", "socket", "_socket", "ssl", "select", "selectors",
            "importlib", "imp", "zipimport", "pkgutil", "runpy", "pickle", "_pickle", "cPickle", "pickletools",
            "copyreg", "copy_reg", "copy", "shelve", "marshal", "types", "code", "codeop", "codecs", "_codecs",
            "io", "_io", "ctypes", "_ctypes", "cffi", "functools", "_functools", "operator", "_operator",
            "inspect", "ast", "gc", "weakref", "atexit", "signal", "threading", "_thread", "multiprocessing",
            "concurrent", "asyncio", "pty", "tty", "platform", "pdb", "bdb", "trace", "traceback", "timeit",
            "profile", "cProfile", "tempfile", "glob", "fileinput", "linecache", "pathlib", "zipfile", "tarfile",
            "gzip", "bz2", "lzma", "mmap", "resource", "fcntl", "pwd", "grp", "webbrowser", "http", "urllib",
            "urllib2", "ftplib", "smtplib", "poplib", "imaplib", "telnetlib", "socketserver", "xmlrpc", "wsgiref",
            "email", "logging", "sqlite3", "dbm", "pydoc", "site", "sysconfig", "distutils", "setuptools", "pip",
            "ensurepip", "venv", "tkinter", "idlelib", "dill", "cloudpickle", "joblib", "_winapi", "winreg",
            "msvcrt", "nturl2path", "torch", "numpy", "pandas", "__main__");

    private static final Pattern DOTTED_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final int MAX_NAME_LENGTH = 256;

    private static final Map<String, String> REFUSAL_REASONS = Map.of(
            "torch", "only torch's tensor rebuild functions (torch._utils._rebuild_tensor_v2, _rebuild_tensor, "
                    + "_rebuild_parameter, _rebuild_parameter_with_state) and typed storage classes are allowed",
            "numpy", "numpy objects are not supported in checkpoints",
            "__main__", "globals of the saving script (__main__) are refused");

    private GlobalPolicy() {
    }

    /** The Java meaning of a global: an {@link AllowedGlobal}, a {@link TorchStorageType} or a {@link ClassRef}. */
    static Object resolve(String module, String name, String where) throws UnsafePickleException {
        if (module.length() > MAX_NAME_LENGTH || name.length() > MAX_NAME_LENGTH
                || !DOTTED_IDENTIFIER.matcher(module).matches() || !DOTTED_IDENTIFIER.matcher(name).matches()) {
            throw new UnsafePickleException("refused global '" + printable(module) + "' '" + printable(name) + "' "
                    + where + ": module and name must be dotted Python identifiers");
        }
        // Python 3 writes builtins as the Python 2 module __builtin__ in protocols 0-2 (pickle's IMPORT_MAPPING)
        String allowModule = module.equals("__builtin__") ? "builtins" : module;
        for (AllowedGlobal g : AllowedGlobal.values()) {
            if (g.module.equals(allowModule) && g.name.equals(name)) {
                return g;
            }
        }
        if (module.equals("torch")) {
            Optional<TorchStorageType> storage = TorchStorageType.forName(name);
            if (storage.isPresent()) {
                return storage.get();
            }
        }
        String root = module.contains(".") ? module.substring(0, module.indexOf('.')) : module;
        if (REFUSED_MODULES.contains(root)) {
            String reason = REFUSAL_REASONS.getOrDefault(root, "module '" + root
                    + "' can run code or reach the system, and a checkpoint never needs it");
            throw new UnsafePickleException("refused global " + module + "." + name + " " + where + ": " + reason);
        }
        return new ClassRef(module, name);
    }

    /** Shows a hostile name safely: non-printable characters escaped, length capped. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > 80) {
            b.append("...");
        }
        return b.toString();
    }
}
