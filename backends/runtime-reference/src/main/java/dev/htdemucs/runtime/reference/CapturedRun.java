package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Tensor;

import java.util.Map;

/**
 * What one {@link ReferenceSession#run(Map, java.util.Set)} returns: the graph outputs by output name and
 * the captured intermediate values by the name they were asked for (a node name, or for a node with
 * several outputs, each output's value name).
 */
public record CapturedRun(Map<String, Tensor> outputs, Map<String, Tensor> captured) {
    public CapturedRun {
        outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
        captured = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(captured));
    }
}
