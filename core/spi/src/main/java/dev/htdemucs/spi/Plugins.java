package dev.htdemucs.spi;

import dev.htdemucs.ir.ops.OpDef;
import dev.htdemucs.ir.ops.OpRegistry;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The plugins available to this process: every {@link PluginKind} discovered with
 * {@link ServiceLoader} from the class path and from the jars of plugin directories.
 * Two providers of one kind with one name are an error naming both.
 *
 * <p>The same class loader also finds the <em>extensions</em> that are not plugins but parts of them: IR op
 * definitions ({@link OpDef}, gathered in {@link #ops()}), a runtime's kernels, an emitter's op mappings.
 * Each extension point is a service interface; {@link #extensions} finds its providers and
 * {@link #byName} indexes them with the same duplicate-name error as plugins. A plugin that needs them
 * implements {@link UsesPlugins} and asks the plugins of its own discovery.
 */
public final class Plugins {
    /** Environment variable naming extra plugin directories (path-separator separated). */
    public static final String PLUGIN_PATH_ENV = "HTDEMUCS_PLUGINS";

    private final Map<PluginKind, Map<String, Plugin>> byKind;
    private final ClassLoader classLoader;
    /** Extension service → its providers, instantiated once per discovery. */
    private final Map<Class<?>, List<?>> extensions = new HashMap<>();
    private OpRegistry ops;

    private Plugins(Map<PluginKind, Map<String, Plugin>> byKind, ClassLoader classLoader) {
        this.byKind = byKind;
        this.classLoader = classLoader;
    }

    /** Plugins on the class path only. */
    public static Plugins fromClassPath() throws PluginException {
        return discover(List.of());
    }

    /** Plugins on the class path and in every {@code *.jar} of the given directories. */
    public static Plugins discover(List<Path> pluginDirs) throws PluginException {
        ClassLoader parent = Plugins.class.getClassLoader();
        List<URL> jars = new ArrayList<>();
        for (Path dir : pluginDirs) jars.addAll(jarsIn(dir));
        ClassLoader loader = jars.isEmpty() ? parent : new URLClassLoader("htdemucs-plugins", jars.toArray(URL[]::new), parent);
        Map<PluginKind, Map<String, Plugin>> byKind = new EnumMap<>(PluginKind.class);
        for (PluginKind kind : PluginKind.values()) {
            List<Plugin> found = new ArrayList<>();
            try {
                for (Plugin p : ServiceLoader.load(kind.type(), loader)) found.add(p);
            } catch (ServiceConfigurationError e) {
                throw new PluginException("a " + kind.label() + " plugin could not be loaded: " + e.getMessage(), e);
            }
            byKind.put(kind, Collections.unmodifiableMap(byName(kind.label() + " plugins are named", found, p -> List.of(p.name()))));
        }
        Plugins plugins = new Plugins(byKind, loader);
        for (Map<String, Plugin> named : byKind.values()) {
            for (Plugin p : named.values()) if (p instanceof UsesPlugins user) user.usePlugins(plugins);
        }
        return plugins;
    }

    /** Directories from {@value #PLUGIN_PATH_ENV}, if set. */
    public static List<Path> pluginDirsFromEnvironment() {
        String env = System.getenv(PLUGIN_PATH_ENV);
        if (env == null || env.isBlank()) return List.of();
        List<Path> dirs = new ArrayList<>();
        for (String s : env.split(java.io.File.pathSeparator)) if (!s.isBlank()) dirs.add(Path.of(s));
        return dirs;
    }

    private static List<URL> jarsIn(Path dir) throws PluginException {
        if (!Files.isDirectory(dir)) throw new PluginException("plugin directory does not exist: " + dir);
        try (Stream<Path> files = Files.list(dir)) {
            List<URL> urls = new ArrayList<>();
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                urls.add(p.toUri().toURL());
            }
            return urls;
        } catch (MalformedURLException e) {
            throw new PluginException("bad plugin jar path in " + dir, e);
        } catch (IOException e) {
            throw new PluginException("cannot list plugin directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The provider's class and, when known, the jar or directory it was loaded from. */
    private static String describe(Object provider) {
        CodeSource src = provider.getClass().getProtectionDomain().getCodeSource();
        return provider.getClass().getName() + (src != null && src.getLocation() != null ? " (" + src.getLocation().getPath() + ")" : "");
    }

    /** Finds plugins and extensions: the class path, plus the jars of the plugin directories if there were any. */
    public ClassLoader classLoader() { return classLoader; }

    /**
     * Every provider of the extension service {@code service} listed in a
     * {@code META-INF/services/<service's binary name>} file on the class path or in a plugin jar, in
     * discovery order. Each is instantiated once per discovery: every call returns the same objects.
     */
    @SuppressWarnings("unchecked")
    public synchronized <T> List<T> extensions(Class<T> service) throws PluginException {
        List<?> found = extensions.get(service);
        if (found == null) {
            List<T> list = new ArrayList<>();
            try {
                for (T t : ServiceLoader.load(service, classLoader)) list.add(t);
            } catch (ServiceConfigurationError e) {
                throw new PluginException("a " + service.getSimpleName() + " extension could not be loaded: " + e.getMessage(), e);
            }
            found = List.copyOf(list);
            extensions.put(service, found);
        }
        return (List<T>) found;
    }

    /**
     * {@code providers} (built-ins and {@link #extensions}) by every name {@code names} gives each, sorted by
     * name. Two providers claiming one name are an error naming both classes and their jars, as for
     * plugins; {@code clash} says what they share: "op definitions are named" gives
     * "two op definitions are named 'x': A (a.jar) and B (b.jar)".
     */
    public static <T> Map<String, T> byName(String clash, Collection<? extends T> providers,
                                            Function<? super T, ? extends Collection<String>> names) throws PluginException {
        Map<String, T> named = new TreeMap<>();
        for (T p : providers) {
            for (String name : names.apply(p)) {
                T old = named.putIfAbsent(name, p);
                if (old != null) {
                    throw new PluginException("two " + clash + " '" + name + "': " + describe(old) + " and " + describe(p));
                }
            }
        }
        return named;
    }

    /**
     * The IR ops this discovery knows: the standard ones ({@link OpRegistry#standard()}) and every {@link OpDef}
     * registered in {@code META-INF/services/dev.htdemucs.ir.ops.OpDef}. Readers of model files build their
     * graphs with it, so a plugin's op reads back as itself.
     */
    public synchronized OpRegistry ops() throws PluginException {
        if (ops == null) {
            List<OpDef> all = new ArrayList<>(OpRegistry.standard().all().values());
            all.addAll(extensions(OpDef.class));
            ops = OpRegistry.of(byName("op definitions are named", all, d -> List.of(d.name())).values());
        }
        return ops;
    }

    public Map<String, Plugin> all(PluginKind kind) { return byKind.get(kind); }

    @SuppressWarnings("unchecked")
    public <T extends Plugin> List<T> all(Class<T> type) {
        return (List<T>) List.copyOf(byKind.get(kindOf(type)).values());
    }

    /** The plugin of this type with this name, or an error listing the available names. */
    public <T extends Plugin> T get(Class<T> type, String name) throws PluginException {
        PluginKind kind = kindOf(type);
        Plugin p = byKind.get(kind).get(name);
        if (p == null) {
            throw new PluginException("no " + kind.label() + " plugin named '" + name + "'; available: "
                    + String.join(", ", byKind.get(kind).keySet()));
        }
        return type.cast(p);
    }

    private static PluginKind kindOf(Class<? extends Plugin> type) {
        for (PluginKind k : PluginKind.values()) if (k.type() == type) return k;
        throw new IllegalArgumentException(type.getName() + " is not a plugin kind");
    }
}
