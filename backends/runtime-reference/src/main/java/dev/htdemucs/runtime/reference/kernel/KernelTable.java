package dev.htdemucs.runtime.reference.kernel;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The reference runtime's kernels by op name: the standard set below, plus any {@link Kernel} a plugin
 * jar registers in {@code META-INF/services/dev.htdemucs.runtime.reference.kernel.Kernel} (for plugin ops).
 */
public final class KernelTable {
    private final Map<String, Kernel> kernels;

    private KernelTable(Map<String, Kernel> kernels) { this.kernels = Collections.unmodifiableMap(kernels); }

    /** The standard kernels and those registered on the class path of {@code loader}. */
    public static KernelTable create(ClassLoader loader) {
        Map<String, Kernel> map = new TreeMap<>();
        for (Kernel k : standardKernels()) register(map, k);
        for (Kernel k : ServiceLoader.load(Kernel.class, loader)) register(map, k);
        return new KernelTable(map);
    }

    public static KernelTable standard() { return create(KernelTable.class.getClassLoader()); }

    static List<Kernel> standardKernels() {
        return List.of(
                new ConstKernel(), new AddKernel(), new SubKernel(), new MulKernel(), new DivKernel(), new PowKernel(),
                new SqrtKernel(), new SigmoidKernel(), new GeluKernel(), new ReluKernel(), new CastKernel(),
                new ReduceMeanKernel(), new ReduceSumKernel(), new ConvKernel(), new ConvTransposeKernel(),
                new LinearKernel(), new MatMulKernel(), new SoftmaxKernel(), new LayerNormKernel(),
                new GroupNormKernel(), new GluKernel(), new TransposeKernel(), new ReshapeKernel(),
                new SliceKernel(), new ConcatKernel(), new SplitKernel(), new PadKernel(),
                new StftKernel(), new IstftKernel(),
                new SinKernel(), new CosKernel());
    }

    private static void register(Map<String, Kernel> map, Kernel kernel) {
        Kernel old = map.putIfAbsent(kernel.op(), kernel);
        if (old != null && old.getClass() != kernel.getClass()) {
            throw new IllegalStateException("op '" + kernel.op() + "' has two reference kernels: "
                    + old.getClass().getName() + " and " + kernel.getClass().getName());
        }
    }

    public Optional<Kernel> find(String op) { return Optional.ofNullable(kernels.get(op)); }

    public Map<String, Kernel> all() { return kernels; }
}
