package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.runtime.reference.kernel.KernelTable;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;
import dev.htdemucs.spi.UsesPlugins;

import java.nio.file.Path;

/**
 * The pure-Java reference runtime ({@code reference}): executes an IR graph op by op in float32 on the
 * heap, the yardstick other runtimes are compared with. Values are rounded to the dtypes the graph declares,
 * so fp16 ops, casts and fp16 constants behave as fp16 storage (see {@link ReferenceSession}). Options: {@code threads} (default: available processors).
 *
 * <p>Kernels: the standard ones, plus those of the plugin jars when the runtime comes from a {@link Plugins}
 * discovery ({@link KernelTable#of(Plugins)}), so it runs the ops plugins add.
 */
public final class ReferenceRuntime implements ModelRuntime, UsesPlugins {
    public static final String NAME = "reference";
    public static final String THREADS = "threads";

    private KernelTable kernels;
    private Plugins plugins;

    /** A runtime with the standard kernels (or those of the plugins it is handed by {@link #usePlugins}). */
    public ReferenceRuntime() { this(null); }

    /** A runtime with exactly these kernels. */
    public ReferenceRuntime(KernelTable kernels) { this.kernels = kernels; }

    @Override public synchronized void usePlugins(Plugins plugins) { this.plugins = plugins; }

    private synchronized KernelTable kernels() throws PluginException {
        if (kernels == null) kernels = plugins == null ? KernelTable.standard() : KernelTable.of(plugins);
        return kernels;
    }

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "pure-Java reference: runs IR graphs op by op in float32, rounding to fp16 where the graph declares fp16";
    }

    /** Model files are read by loaders; this runtime takes the resulting graph. */
    @Override public boolean accepts(Path modelFile) { return false; }

    @Override public Session open(Path modelFile, Options options) throws PluginException {
        throw new PluginException("reference runtime runs IR graphs; load the file with a ModelLoader first (" + modelFile + ")");
    }

    @Override public ReferenceSession open(Graph graph, Options options) throws PluginException {
        Options o = options == null ? Options.NONE : options;
        int threads = o.getInt(THREADS, java.lang.Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new PluginException("option " + THREADS + " must be >= 1, got " + threads);
        return new ReferenceSession(graph, kernels(), threads);
    }
}
