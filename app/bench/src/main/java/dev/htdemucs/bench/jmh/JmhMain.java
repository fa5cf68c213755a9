package dev.htdemucs.bench.jmh;

/**
 * Runs the JMH micro-benchmarks of this package; arguments are JMH's own (e.g. {@code -l} to list,
 * {@code -p threads=2}, a regex of benchmark names). From the repository root, after
 * {@code mvn -B -q -pl bench install}:
 * <pre>
 *   java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.htdemucs.bench.jmh.JmhMain [JMH options]
 * </pre>
 * Each benchmark class sets short warm-up and measurement phases and one fork: the operations take
 * milliseconds to seconds, so JMH's defaults (5 forks of 5 × 10 s) would run for hours.
 */
public final class JmhMain {
    private JmhMain() {}

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
