package dev.htdemucs.spi;

/** A graph transformation: surgery (cutting at a boundary) or lowering (rewriting ops into simpler ones). */
public interface GraphPass extends Plugin {
    LoadedModel apply(LoadedModel model, Options options) throws PluginException;
}
