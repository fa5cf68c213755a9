package dev.htdemucs.pytorch.djl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Puts DJL in offline mode before any DJL class initialises. Nothing in this product may open a network
 * connection, and DJL 0.36.0 does two kinds of network I/O on its own:
 *
 * <ul>
 *   <li><b>Phone-home.</b> The static initialiser of {@code ai.djl.engine.Engine} ends with
 *       {@code Ec2Utils.callHome(engineName)}, which returns early only if
 *       {@code Utils.isOfflineMode()} or {@code Boolean.parseBoolean(Utils.getEnvOrSystemProperty("OPT_OUT_TRACKING"))}
 *       (or it already ran within the last day). Otherwise it PUTs to {@code http://169.254.169.254/latest/api/token}
 *       and GETs {@code http://169.254.169.254/latest/meta-data/...} (EC2 instance metadata) and, on EC2, a
 *       telemetry URL on S3. Those connections use {@code Proxy.NO_PROXY}.</li>
 *   <li><b>Downloads</b> of native libraries or model-zoo artefacts, refused in offline mode.</li>
 * </ul>
 *
 * <p>{@code Utils.isOfflineMode()} is {@code Boolean.parseBoolean(getenv("DJL_OFFLINE", System.getProperty("ai.djl.offline")))}
 * (falling back to {@code Boolean.getBoolean("offline")} when both are absent); {@code getEnvOrSystemProperty(k)}
 * reads the environment variable {@code k} first, then the system property {@code k}. So an environment
 * variable always wins over the property of the same meaning. Java cannot set environment variables of its
 * own process, so {@link #ensure()} sets the system-property forms ({@value #OFFLINE_PROPERTY} and
 * {@value #TRACKING_OPT_OUT}) and refuses to go on when an environment variable {@value #OFFLINE_ENV} says
 * "not offline". The CLI launcher and the surefire configuration additionally set the environment variables
 * {@code DJL_OFFLINE=true} and {@code OPT_OUT_TRACKING=true}, so processes that reach DJL some other way stay
 * offline too.
 *
 * <p>This class must not reference any DJL type: it runs before DJL may be touched.
 */
public final class DjlOffline {
    /** System property read by DJL's {@code Utils.isOfflineMode()} when {@value #OFFLINE_ENV} is not set. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";
    /** Environment variable read by DJL's {@code Utils.isOfflineMode()} before {@value #OFFLINE_PROPERTY}. */
    public static final String OFFLINE_ENV = "DJL_OFFLINE";
    /** Environment variable, or else system property, that makes {@code Ec2Utils.callHome} return at once. */
    public static final String TRACKING_OPT_OUT = "OPT_OUT_TRACKING";

    private DjlOffline() {
    }

    /**
     * Sets DJL's offline mode and tracking opt-out as system properties. Call before the first use of any
     * DJL class; calling again is harmless.
     *
     * @throws IllegalStateException if the environment overrides offline mode (e.g. {@code DJL_OFFLINE=false})
     */
    public static synchronized void ensure() {
        System.setProperty(OFFLINE_PROPERTY, "true");
        System.setProperty(TRACKING_OPT_OUT, "true");
        List<String> problems = environmentProblems(System::getenv);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }

    /** Why the given environment would keep DJL online despite the system properties; empty if it would not. */
    static List<String> environmentProblems(UnaryOperator<String> environment) {
        List<String> problems = new ArrayList<>();
        String offline = environment.apply(OFFLINE_ENV);
        if (offline != null && !Boolean.parseBoolean(offline)) {
            problems.add("environment variable " + OFFLINE_ENV + "=" + offline + " turns DJL's offline mode off (DJL reads it"
                    + " before the system property " + OFFLINE_PROPERTY + "); htdemucs-coreml must not open network"
                    + " connections, so unset " + OFFLINE_ENV + " or set it to true");
        }
        return problems;
    }
}
