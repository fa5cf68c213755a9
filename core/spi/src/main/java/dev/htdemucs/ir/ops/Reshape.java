package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/** {@code reshape} to attribute {@code shape} (C order); at most one entry may be -1 (inferred). */
public final class Reshape extends OpDef {
    public Reshape() { super("reshape", List.of("x"), 1, List.of("shape")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int[] shape = node.attributes().ints("shape");
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                require(unknown < 0, "shape " + Arrays.toString(shape) + " has more than one -1");
                unknown = i;
            } else {
                require(shape[i] >= 0, "shape " + Arrays.toString(shape) + " has a negative entry");
                known *= shape[i];
            }
        }
        if (unknown >= 0) {
            require(known > 0 && x.numel() % known == 0, "cannot reshape " + x + " to " + Arrays.toString(shape));
            shape[unknown] = (int) (x.numel() / known);
        }
        require(new TensorType(x.dtype(), shape).numel() == x.numel(), "cannot reshape " + x + " (" + x.numel()
                + " elements) to " + Arrays.toString(shape));
        return one(x.dtype(), shape);
    }
}
