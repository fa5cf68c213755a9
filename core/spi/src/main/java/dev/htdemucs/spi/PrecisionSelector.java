package dev.htdemucs.spi;

/** Chooses fp16 or fp32 for each op of a graph. */
public interface PrecisionSelector extends Plugin {
    PrecisionPlan select(LoadedModel model, Options options) throws PluginException;
}
