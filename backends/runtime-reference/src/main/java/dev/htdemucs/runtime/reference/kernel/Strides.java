package dev.htdemucs.runtime.reference.kernel;

/** C-order strides, and strides of an operand broadcast to a larger shape (numpy rules). */
public final class Strides {
    private Strides() {}

    /** Element strides of a C-ordered array of this shape. */
    public static int[] of(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /**
     * Strides with which an operand of {@code shape} is read when broadcast to {@code target}: aligned on
     * the trailing axes, 0 on axes the operand lacks or has as size 1.
     */
    public static int[] broadcast(int[] shape, int[] target) {
        int[] own = of(shape);
        int[] s = new int[target.length];
        int lead = target.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast rank " + shape.length + " to rank " + target.length);
        for (int i = 0; i < shape.length; i++) {
            int d = shape[i];
            if (d != 1 && d != target[lead + i]) {
                throw new IllegalArgumentException("axis " + i + " of size " + d + " does not broadcast to " + target[lead + i]);
            }
            s[lead + i] = d == 1 ? 0 : own[i];
        }
        return s;
    }

    static int product(int[] shape, int from, int to) {
        int n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        return n;
    }
}
