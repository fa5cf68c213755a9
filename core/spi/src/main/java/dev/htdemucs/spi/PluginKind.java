package dev.htdemucs.spi;

/** The kinds of plugins, each a service interface discovered with {@link java.util.ServiceLoader}. */
public enum PluginKind {
    LOADER("loader", ModelLoader.class),
    PASS("pass", GraphPass.class),
    PRECISION("precision", PrecisionSelector.class),
    EMITTER("emitter", Emitter.class),
    RUNTIME("runtime", ModelRuntime.class);

    private final String label;
    private final Class<? extends Plugin> type;

    PluginKind(String label, Class<? extends Plugin> type) {
        this.label = label;
        this.type = type;
    }

    public String label() { return label; }
    public Class<? extends Plugin> type() { return type; }
}
