package dev.htdemucs.spi;

/**
 * How a loader names the node that computes a layer's output: the last node of a layer carries the layer's
 * module name, so its output is the layer's output as a PyTorch forward hook sees it. Golden activations
 * are named without the dot ({@code encoder0.npy} is node {@code encoder.0}).
 */
public final class LayerNodes {
    private LayerNodes() {}

    /**
     * The node computing a golden layer activation: {@code "encoder0"} → {@code "encoder.0"}, likewise for
     * {@code tencoderI}, {@code decoderI}, {@code tdecoderI}.
     */
    public static String outputNode(String goldenLayerName) {
        int i = 0;
        while (i < goldenLayerName.length() && !Character.isDigit(goldenLayerName.charAt(i))) i++;
        if (i == 0 || i == goldenLayerName.length()) {
            throw new IllegalArgumentException("expected a layer name like encoder0 or tdecoder3, got '" + goldenLayerName + "'");
        }
        return goldenLayerName.substring(0, i) + "." + goldenLayerName.substring(i);
    }
}
