package dev.htdemucs.spi;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The plugins available to this process: every {@link PluginKind} discovered with
 * {@link ServiceLoader} from the class path and from the jars of plugin directories.
 * Two providers of one kind with one name are an error naming both.
 */
public final class Plugins {
    /** Environment variable naming extra plugin directories (path-separator separated). */
    public static final String PLUGIN_PATH_ENV = "HTDEMUCS_PLUGINS";

    private final Map<PluginKind, Map<String, Plugin>> byKind;
    private final ClassLoader classLoader;

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
            Map<String, Plugin> named = new TreeMap<>();
            try {
                for (Plugin p : ServiceLoader.load(kind.type(), loader)) {
                    Plugin old = named.putIfAbsent(p.name(), p);
                    if (old != null) {
                        throw new PluginException("two " + kind.label() + " plugins are named '" + p.name() + "': "
                                + describe(old) + " and " + describe(p));
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new PluginException("a " + kind.label() + " plugin could not be loaded: " + e.getMessage(), e);
            }
            byKind.put(kind, Collections.unmodifiableMap(named));
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

    private static String describe(Plugin p) {
        CodeSource src = p.getClass().getProtectionDomain().getCodeSource();
        return p.getClass().getName() + (src != null && src.getLocation() != null ? " (" + src.getLocation().getPath() + ")" : "");
    }

    public ClassLoader classLoader() { return classLoader; }

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
