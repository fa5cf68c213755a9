package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The reference runtime's kernels by op name: the standard set below, plus, for plugin ops, any
 * {@link Kernel} a plugin jar registers in {@code META-INF/services/dev.htdemucs.runtime.reference.kernel.Kernel}
 * ({@link #of(Plugins)}: found through the plugin class loader).
 */
public final class KernelTable {
    private static final KernelTable STANDARD = new KernelTable(byOp(standardKernels()));

    private final Map<String, Kernel> kernels;

    private KernelTable(Map<String, Kernel> kernels) { this.kernels = Collections.unmodifiableMap(kernels); }

    /** The kernels of the standard ops. */
    public static KernelTable standard() { return STANDARD; }

    /**
     * The standard kernels and every {@link Kernel} registered on the class path or in the plugin jars of
     * {@code plugins}; two kernels for one op are an error naming both classes and their jars.
     */
    public static KernelTable of(Plugins plugins) throws PluginException {
        List<Kernel> all = new ArrayList<>(standardKernels());
        all.addAll(plugins.extensions(Kernel.class));
        return new KernelTable(Plugins.byName("reference kernels run op", all, k -> List.of(k.op())));
    }

    private static Map<String, Kernel> byOp(List<Kernel> kernels) {
        Map<String, Kernel> map = new TreeMap<>();
        for (Kernel k : kernels) {
            if (map.put(k.op(), k) != null) throw new IllegalStateException("op '" + k.op() + "' has two standard kernels");
        }
        return map;
    }

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

    public Optional<Kernel> find(String op) { return Optional.ofNullable(kernels.get(op)); }

    public Map<String, Kernel> all() { return kernels; }
}
