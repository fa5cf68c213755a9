package dev.htdemucs.spi;

import java.util.Set;

/** A graph transformation: surgery (cutting at a boundary) or lowering (rewriting ops into simpler ones). */
public interface GraphPass extends Plugin {
    LoadedModel apply(LoadedModel model, Options options) throws PluginException;

    /**
     * The option keys {@link #apply} reads. A conversion pipeline refuses options with other keys for this pass,
     * so a misspelt option is an error, not silently ignored. Default: none.
     */
    default Set<String> optionKeys() { return Set.of(); }
}
