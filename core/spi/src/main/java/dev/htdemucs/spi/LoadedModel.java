package dev.htdemucs.spi;

import dev.htdemucs.ir.Graph;

/** A graph plus what a host needs to drive it. */
public record LoadedModel(Graph graph, ModelMetadata metadata) {
    public LoadedModel withGraph(Graph other) { return new LoadedModel(other, metadata); }
}
