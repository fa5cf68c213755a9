package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How one runtime/precision drifts away from the reference layer by layer (from {@code validate --layers}).
 * The chart draws the layers in the order of this list, so build it in network order
 * (see {@link LayerOrder#htdemucs(int)}).
 *
 * @param label  series name, e.g. {@code coreml-reference fp16}; runs with the same label share a colour
 * @param layers one point per layer, in network order
 */
public record LayerDivergence(String label, List<LayerPoint> layers) {

    public LayerDivergence {
        Objects.requireNonNull(label, "label");
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    public static Builder builder(String label) {
        return new Builder(label);
    }

    public static final class Builder {
        private final String label;
        private final List<LayerPoint> layers = new ArrayList<>();

        private Builder(String label) {
            this.label = Objects.requireNonNull(label, "label");
        }

        /** Appends a layer compared from its reference and test activations. */
        public Builder layer(String layer, NpyArray reference, NpyArray test) {
            try {
                return layer(LayerPoint.of(layer, Comparison.of(reference, test)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + ", layer '" + layer + "': " + e.getMessage(), e);
            }
        }

        public Builder layer(String layer, float[] reference, float[] test) {
            try {
                return layer(LayerPoint.of(layer, Comparison.of(reference, test)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + ", layer '" + layer + "': " + e.getMessage(), e);
            }
        }

        public Builder layer(LayerPoint point) {
            layers.add(Objects.requireNonNull(point, "point"));
            return this;
        }

        public LayerDivergence build() {
            return new LayerDivergence(label, layers);
        }
    }
}
