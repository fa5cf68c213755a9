package dev.htdemucs.pytorch.djl;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Session;

import java.util.Map;

/**
 * Runs in a fresh JVM started by {@link OfflineModeTest}, without DJL's offline settings in its environment
 * or system properties, with the {@link NetworkTrap} installed before anything else, and prints what it saw
 * as {@code key=value} lines. Mode {@code runtime} opens the tiny6 TorchScript through
 * {@link DjlTorchScriptRuntime} and runs it once: the runtime alone must keep DJL offline.
 */
public final class OfflineProbe {
    private OfflineProbe() {
    }

    public static void main(String[] args) throws Exception {
        NetworkTrap.install();
        String mode = args.length == 0 ? "" : args[0];
        switch (mode) {
            case "runtime" -> runThroughRuntime();
            default -> throw new IllegalArgumentException("usage: OfflineProbe runtime, got " + mode);
        }
        System.out.println("property.ai.djl.offline=" + System.getProperty(DjlOffline.OFFLINE_PROPERTY));
        System.out.println("property.OPT_OUT_TRACKING=" + System.getProperty(DjlOffline.TRACKING_OPT_OUT));
        System.out.println("djl.isOfflineMode=" + ai.djl.util.Utils.isOfflineMode());
        for (String attempt : NetworkTrap.attempts()) {
            System.out.println("attempt=" + attempt);
        }
        System.out.println("attempts=" + NetworkTrap.attempts().size());
    }

    private static void runThroughRuntime() throws Exception {
        GoldenSet golden = Golden.tiny6();
        try (Session session = new DjlTorchScriptRuntime().open(golden.file("inner.torchscript.pt"), Options.NONE)) {
            Map<String, Tensor> out = session.run(Map.of(
                    "mix", tensor(golden.npy("white_noise/mix.npy")),
                    "spec", tensor(golden.npy("white_noise/spec.npy"))));
            out.forEach((name, t) -> System.out.println("ran." + name + "=" + t.type()));
        }
    }

    private static Tensor tensor(NpyArray a) {
        return Tensor.ofFloats(a.shape(), a.data());
    }
}
