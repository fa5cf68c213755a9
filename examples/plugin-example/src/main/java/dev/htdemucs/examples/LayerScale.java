package dev.htdemucs.examples;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.ops.OpDef;

import java.util.List;

/**
 * {@code layer_scale}: x scaled per channel, {@code y[n, c, ...] = x[n, c, ...] · scale[c]} — demucs'
 * {@code LayerScale} module ({@code self.scale[:, None] * x}) as one op.
 *
 * <p>Inputs: x, a float tensor {@code [N, C, *]} of rank 2 or more; scale, a 1-D tensor {@code [C]} of x's
 * dtype. No attributes. Output: like x.
 *
 * <p>Where it lives, under one name: executed by {@link LayerScaleKernel} (reference runtime), lowered to
 * MIL by {@link LayerScaleMil}, inserted by {@link InsertLayerScalePass}. Registered in
 * {@code META-INF/services/dev.htdemucs.ir.ops.OpDef}, so readers of model files (an .mlpackage read back)
 * know it.
 */
public final class LayerScale extends OpDef {
    public static final String NAME = "layer_scale";

    public LayerScale() { super(NAME, List.of("x", "scale"), 2, List.of()); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), scale = type(node, 1);
        requireFloat(x, "layer_scale input x");
        require(x.rank() >= 2, "layer_scale input x must be [N, C, ...] (rank >= 2), got " + x);
        require(scale.rank() == 1 && scale.dim(0) == x.dim(1),
                "layer_scale scale must be [C] = [" + x.dim(1) + "] for x " + x + ", got " + scale);
        requireSameDType(x, scale, "layer_scale x and scale");
        return List.of(x);
    }
}
