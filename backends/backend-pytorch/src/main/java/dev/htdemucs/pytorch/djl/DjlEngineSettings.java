package dev.htdemucs.pytorch.djl;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Process-wide settings DJL reads once, when its PyTorch engine first loads; they must be in place before
 * that. Like {@link DjlOffline}, this class references no DJL type.
 *
 * <ul>
 *   <li>{@value #CACHE_DIR}: where DJL extracts libtorch (about 430 MB, once) from the
 *       {@code pytorch-native-cpu} jar. DJL reads the environment variable first, then the system property;
 *       when neither is set we set the property to {@code ~/.cache/htdemucs-coreml/djl} instead of DJL's
 *       {@code ~/.djl.ai}.</li>
 *   <li>{@value #NUM_THREADS_PROPERTY}: libtorch's intra-op thread count, applied by DJL's {@code PtEngine}
 *       when it loads. Later changes go through {@code torch::set_num_threads} (see {@link TorchScriptSession}).
 *       The inter-op pool ({@code -Dai.djl.pytorch.num_interop_threads}) can only be sized before the engine
 *       loads and is left to the command line.</li>
 * </ul>
 */
final class DjlEngineSettings {
    static final String CACHE_DIR = "DJL_CACHE_DIR";
    static final String NUM_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private DjlEngineSettings() {
    }

    /** {@code ~/.cache/htdemucs-coreml/djl}. */
    static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "htdemucs-coreml", "djl");
    }

    /**
     * Sets the system property {@value #CACHE_DIR} to {@link #defaultCacheDir()} unless the environment or a
     * system property already names a directory, and returns the directory DJL will use.
     */
    static synchronized Path ensureCacheDir(UnaryOperator<String> environment) {
        String fromEnvironment = environment.apply(CACHE_DIR);
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            return Path.of(fromEnvironment);
        }
        String fromProperty = System.getProperty(CACHE_DIR);
        if (fromProperty != null && !fromProperty.isEmpty()) {
            return Path.of(fromProperty);
        }
        Path dir = defaultCacheDir();
        System.setProperty(CACHE_DIR, dir.toString());
        return dir;
    }

    /** Asks for {@code threads} intra-op threads when the engine loads; 0 keeps libtorch's default. */
    static synchronized void requestIntraOpThreads(int threads) {
        if (threads > 0) {
            System.setProperty(NUM_THREADS_PROPERTY, Integer.toString(threads));
        }
    }
}
