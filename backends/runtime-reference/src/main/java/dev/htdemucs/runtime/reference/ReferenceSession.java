package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.runtime.reference.kernel.DTypeRounding;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.runtime.reference.kernel.Kernel;
import dev.htdemucs.runtime.reference.kernel.KernelTable;
import dev.htdemucs.runtime.reference.kernel.Parallel;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An IR graph opened by the {@link ReferenceRuntime}: nodes run one after the other in graph order, each by
 * its {@link Kernel}, on heap float arrays.
 *
 * <p><b>Memory.</b> Constants are converted to floats once, when the session opens, and kept. Every other
 * value is dropped as soon as the last node reading it has run (unless it is a graph output or was asked
 * to be captured), so a run holds only the live activations.
 *
 * <p><b>Precision.</b> The graph says it: values declared fp16/bf16 (or integer) hold exactly what that dtype
 * can store — every result is rounded to its declared dtype, casts round, FLOAT16 constants hold fp16 values.
 * A graph whose precision plan was realised as casts ({@code PrecisionCasts} of module {@code precision}), or
 * read from a package that computes in fp16, thus runs with fp16 <em>storage</em>: an fp16 op reads fp16
 * operands and stores fp16 results. Arithmetic inside the op (dot products, sums, normalisation statistics,
 * transcendental functions) stays float32 or better, so this models an fp16 device's storage error, not the
 * extra error of fp16 accumulation.
 *
 * <p>Not thread-safe: one run at a time. Kernels use the session's own threads (option {@code threads}).
 */
public final class ReferenceSession implements Session {
    private final Graph graph;
    private final Parallel parallel;
    private final Step[] steps;
    private final int valueCount;
    private final Map<Value, Integer> ids = new HashMap<>();
    private final Map<String, Integer> idByValueName = new HashMap<>();
    private final Map<String, Node> nodeByName = new HashMap<>();
    private final boolean[] graphOutput;
    private final int[] lastUse;
    private FloatTensor[] constants;
    /** Per op: calls, wall nanoseconds, CPU nanoseconds of the calling thread. */
    private final Map<String, long[]> profile = new TreeMap<>();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private boolean closed;

    private record Step(Node node, Kernel kernel, int[] inputs, int[] outputs, boolean fp16) {}

    /** Value names by id. */
    private final String[] valueNames;
    /**
     * {@code prefix[s]}: a hash of steps 0 … s−1 (op, attributes, names of what they read and write, fp16
     * or not, the values of the constants they read): two sessions whose prefixes at s are equal compute
     * the same values before step s from the same inputs.
     */
    private long[] prefix;

    /**
     * The values alive before step {@code step} of a run on {@code inputs} (by value name, each already in its
     * declared dtype): where a later run of this or another session with the same prefix
     * ({@link #resumableFrom}) on the same inputs may start. Holds the arrays, which no one modifies.
     */
    public record Checkpoint(Map<String, Tensor> inputs, int step, long prefix, Map<String, FloatTensor> values) {}

    ReferenceSession(Graph graph, KernelTable kernels, int threads) throws PluginException {
        this.graph = graph;
        checkGraph(graph, kernels);
        for (Value v : graph.inputs()) id(v);
        List<Step> run = new ArrayList<>();
        List<Node> constNodes = new ArrayList<>();
        for (Node node : graph.nodes()) {
            nodeByName.put(node.name(), node);
            int[] in = new int[node.inputs().size()];
            for (int i = 0; i < in.length; i++) in[i] = node.input(i) == null ? -1 : id(node.input(i));
            int[] out = new int[node.outputs().size()];
            for (int i = 0; i < out.length; i++) out[i] = id(node.outputs().get(i));
            if (node.op().equals("const")) {
                constNodes.add(node);
            } else {
                run.add(new Step(node, kernels.find(node.op()).orElseThrow(), in, out, computesInFp16(node)));
            }
        }
        steps = run.toArray(Step[]::new);
        valueCount = ids.size();
        graphOutput = new boolean[valueCount];
        for (Value v : graph.outputs().values()) graphOutput[id(v)] = true;
        lastUse = new int[valueCount];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < steps.length; s++) for (int v : steps[s].inputs()) if (v >= 0) lastUse[v] = s;
        valueNames = new String[valueCount];
        ids.forEach((v, id) -> valueNames[id] = v.name());

        constants = new FloatTensor[valueCount];
        Kernel constKernel = kernels.find("const").orElseThrow();
        for (Node node : constNodes) {
            FloatTensor value;
            try {
                value = constKernel.execute(node, new FloatTensor[0], Parallel.sequential())[0];
            } catch (RuntimeException e) {
                throw new PluginException("node " + node.name() + " (const): cannot read its tensor: " + e.getMessage(), e);
            }
            constants[id(node.output())] = value;
        }
        parallel = Parallel.withThreads(threads);
    }

    /** The step-prefix hashes, computed on first use: hashing every constant is work only checkpoints need. */
    private long[] prefix() {
        if (prefix == null) {
            long[] p = new long[steps.length + 1];
            for (int st = 0; st < steps.length; st++) p[st + 1] = extend(p[st], steps[st]);
            prefix = p;
        }
        return prefix;
    }

    /** Whether the node computes in fp16: a non-cast op whose results are all declared fp16. */
    private static boolean computesInFp16(Node node) {
        if (node.op().equals("cast")) return false;
        for (Value v : node.outputs()) if (v.type().dtype() != DType.FLOAT16) return false;
        return true;
    }

    private long extend(long hash, Step step) {
        Node node = step.node();
        long h = hash * 1_000_003L + node.op().hashCode();
        h = h * 1_000_003L + node.name().hashCode();
        h = h * 1_000_003L + node.attributes().toString().hashCode();
        h = h * 1_000_003L + (step.fp16() ? 1 : 2);
        for (int v : step.inputs()) {
            h = h * 1_000_003L + (v < 0 ? 0 : valueNames[v].hashCode());
            if (v >= 0 && constants[v] != null) {
                FloatTensor c = constants[v];
                h = h * 1_000_003L + c.dtype().hashCode();
                h = h * 1_000_003L + Arrays.hashCode(c.shape());
                h = h * 1_000_003L + Arrays.hashCode(c.data());
            }
        }
        for (int v : step.outputs()) h = h * 1_000_003L + valueNames[v].hashCode() + 31L * step.node().outputs().size();
        return h;
    }

    /** Number of steps (nodes other than constants) a run executes. */
    public int stepCount() { return steps.length; }

    /** Whether a run of this session may start from {@code c} (same steps before it). */
    public boolean resumableFrom(Checkpoint c) {
        return c.step() > 0 && c.step() < steps.length && prefix()[c.step()] == c.prefix();
    }

    private int id(Value v) {
        Integer id = ids.get(v);
        if (id == null) {
            id = ids.size();
            ids.put(v, id);
            idByValueName.put(v.name(), id);
        }
        return id;
    }

    private static void checkGraph(Graph graph, KernelTable kernels) throws PluginException {
        Map<String, List<String>> missing = new TreeMap<>();
        for (Node n : graph.nodes()) {
            if (kernels.find(n.op()).isEmpty()) missing.computeIfAbsent(n.op(), k -> new ArrayList<>()).add(n.name());
        }
        if (!missing.isEmpty()) {
            StringBuilder b = new StringBuilder("reference runtime cannot run graph " + graph.name() + ": no kernel for");
            missing.forEach((op, nodes) -> b.append(" op '").append(op).append("' (nodes ")
                    .append(String.join(", ", nodes.subList(0, Math.min(5, nodes.size()))))
                    .append(nodes.size() > 5 ? ", …" : "").append(");"));
            b.append(" kernels exist for: ").append(String.join(", ", kernels.all().keySet()));
            throw new PluginException(b.toString());
        }
        List<String> problems = new GraphValidator().problems(graph);
        if (!problems.isEmpty()) {
            throw new PluginException("reference runtime cannot run graph " + graph.name() + ", it is invalid ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
        }
    }

    @Override public Map<String, TensorType> inputTypes() {
        Map<String, TensorType> m = new LinkedHashMap<>();
        for (Value v : graph.inputs()) m.put(v.name(), v.type());
        return m;
    }

    @Override public Map<String, TensorType> outputTypes() {
        Map<String, TensorType> m = new LinkedHashMap<>();
        graph.outputs().forEach((name, v) -> m.put(name, v.type()));
        return m;
    }

    public Graph graph() { return graph; }

    @Override public Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException {
        return run(inputs, Set.of()).outputs();
    }

    /**
     * Runs the graph and also returns the values named in {@code capture}: node names (a node with several
     * outputs gives one entry per output, keyed by value name) or value names (graph inputs included).
     */
    public CapturedRun run(Map<String, Tensor> inputs, Set<String> capture) throws PluginException {
        return run(inputs, capture, null);
    }

    /**
     * As {@link #run(Map, Set)}, showing every executed node to {@code observer} (may be null) right after
     * its outputs are stored, while its operands are still alive.
     */
    public CapturedRun run(Map<String, Tensor> inputs, Set<String> capture, StepObserver observer) throws PluginException {
        return run(inputs, capture, observer, null, new int[0], null);
    }

    /**
     * The graph's outputs on {@code inputs}, as {@link #run(Map)} computes them, bit for bit, but starting
     * from {@code resume} when it is not null (a checkpoint this session is {@link #resumableFrom}, taken
     * on these same inputs), and adding to {@code checkpoints} a checkpoint before each step of
     * {@code checkpointSteps} (ascending) that the run passes.
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Checkpoint resume, int[] checkpointSteps, List<Checkpoint> checkpoints)
            throws PluginException {
        if (resume != null && (!resumableFrom(resume) || resume.inputs() != inputs)) {
            throw new PluginException("graph " + graph.name() + ": cannot resume from a checkpoint of other steps or inputs");
        }
        return run(inputs, Set.of(), null, resume, checkpointSteps, checkpoints).outputs();
    }

    private CapturedRun run(Map<String, Tensor> inputs, Set<String> capture, StepObserver observer, Checkpoint resume,
                          int[] checkpointSteps, List<Checkpoint> checkpoints) throws PluginException {
        if (closed) throw new PluginException("reference session for graph " + graph.name() + " is closed");
        Map<Integer, String> captureKeys = resolveCaptures(capture);
        FloatTensor[] values = new FloatTensor[valueCount];
        bindInputs(inputs, values);
        boolean[] keep = graphOutput.clone();
        for (int v : captureKeys.keySet()) keep[v] = true;
        for (int v = 0; v < valueCount; v++) {
            if (values[v] != null && lastUse[v] < 0 && !keep[v]) values[v] = null;
        }
        int first = 0;
        if (resume != null) {
            first = resume.step();
            // what steps from `first` on read (or the run returns) and earlier steps wrote, from the checkpoint
            boolean[] needed = new boolean[valueCount];
            for (int s = first; s < steps.length; s++) for (int v : steps[s].inputs()) if (v >= 0) needed[v] = true;
            for (int v = 0; v < valueCount; v++) if (keep[v]) needed[v] = true;
            for (int s = first; s < steps.length; s++) for (int v : steps[s].outputs()) needed[v] = false;
            for (int v = 0; v < valueCount; v++) {
                if (!needed[v] || constants[v] != null) continue;
                FloatTensor t = resume.values().get(valueNames[v]);
                if (t == null) {
                    if (values[v] != null) continue; // a graph input
                    // the checkpoint's run had no more use for it: run from the beginning
                    return run(inputs, capture, observer, null, checkpointSteps, checkpoints);
                }
                values[v] = t;
            }
            for (int v = 0; v < valueCount; v++) if (!needed[v] && values[v] != null && constants[v] == null) values[v] = null;
        }
        int nextCheckpoint = 0;

        for (int s = first; s < steps.length; s++) {
            while (checkpoints != null && nextCheckpoint < checkpointSteps.length && checkpointSteps[nextCheckpoint] <= s) {
                if (checkpointSteps[nextCheckpoint] == s && s > 0) checkpoints.add(checkpoint(inputs, s, values));
                nextCheckpoint++;
            }
            Step step = steps[s];
            FloatTensor[] in = new FloatTensor[step.inputs().length];
            for (int i = 0; i < in.length; i++) in[i] = operand(step, step.inputs()[i], values);
            long start = System.nanoTime(), cpuStart = THREADS.getCurrentThreadCpuTime();
            FloatTensor[] out;
            try {
                out = step.kernel().execute(step.node(), in, parallel);
            } catch (RuntimeException e) {
                throw new PluginException(where(step) + " failed: " + e, e);
            } catch (OutOfMemoryError e) {
                throw new PluginException(where(step) + " ran out of heap memory (raise -Xmx); "
                        + "its output is " + step.node().outputs().get(0).type(), e);
            }
            for (int k = 0; k < step.outputs().length; k++) {
                int v = step.outputs()[k];
                values[v] = stored(step, k, out, in);
            }
            if (observer != null) observeStep(observer, step, in, values);
            long[] p = profile.computeIfAbsent(step.node().op(), op -> new long[3]);
            p[0]++;
            p[1] += System.nanoTime() - start;
            p[2] += THREADS.getCurrentThreadCpuTime() - cpuStart;
            for (int v : step.inputs()) if (v >= 0 && lastUse[v] == s && !keep[v]) values[v] = null;
            for (int v : step.outputs()) if (lastUse[v] < 0 && !keep[v]) values[v] = null;
        }

        Map<String, Tensor> outputs = new LinkedHashMap<>();
        graph.outputs().forEach((name, v) -> outputs.put(name, valueOf(id(v), values).toTensor()));
        Map<String, Tensor> captured = new LinkedHashMap<>();
        captureKeys.forEach((v, name) -> captured.put(name, valueOf(v, values).toTensor()));
        return new CapturedRun(outputs, captured);
    }

    private Checkpoint checkpoint(Map<String, Tensor> inputs, int s, FloatTensor[] values) {
        Map<String, FloatTensor> alive = new HashMap<>();
        for (int v = 0; v < valueCount; v++) {
            if (values[v] != null && constants[v] == null) alive.put(valueNames[v], values[v]);
        }
        return new Checkpoint(inputs, s, prefix()[s], alive);
    }

    private void observeStep(StepObserver observer, Step step, FloatTensor[] in, FloatTensor[] values) throws PluginException {
        FloatTensor[] stored = new FloatTensor[step.outputs().length];
        for (int k = 0; k < stored.length; k++) stored[k] = values[step.outputs()[k]];
        try {
            observer.executed(new StepObserver.ExecutedStep(step.node(), in, stored, step.fp16(), step.kernel(), parallel));
        } catch (RuntimeException e) {
            throw new PluginException("step observer failed at " + where(step) + ": " + e, e);
        }
    }

    private FloatTensor valueOf(int v, FloatTensor[] values) {
        return constants[v] != null ? constants[v] : values[v];
    }

    private FloatTensor operand(Step step, int v, FloatTensor[] values) {
        if (v < 0) return null;
        if (constants[v] != null) return constants[v];
        FloatTensor t = values[v];
        if (t == null) throw new IllegalStateException(where(step) + ": an input value was released too early (runtime bug)");
        return t;
    }

    /** Rounding touches every element of every fp16 activation: large arrays round in parallel chunks. */
    private void roundInPlace(DType dtype, float[] data) {
        parallel.forChunks(data.length, 1 << 16, (from, to) -> DTypeRounding.roundInPlace(dtype, data, from, to));
    }

    /** Checks output k against the node's declaration and rounds it to its storage (its declared dtype). */
    private FloatTensor stored(Step step, int k, FloatTensor[] out, FloatTensor[] in) throws PluginException {
        TensorType declared = step.node().outputs().get(k).type();
        if (out.length != step.outputs().length || out[k] == null) {
            throw new PluginException(where(step) + ": kernel " + step.kernel().getClass().getSimpleName() + " returned "
                    + out.length + " outputs, the node declares " + step.outputs().length);
        }
        FloatTensor t = out[k];
        if (!declared.sameShape(t.shape())) {
            throw new PluginException(where(step) + ": kernel " + step.kernel().getClass().getSimpleName()
                    + " produced shape " + Arrays.toString(t.shape()) + " for output " + k + ", the node declares " + declared);
        }
        float[] data = t.data();
        if (DTypeRounding.changesValues(declared.dtype())) {
            for (FloatTensor i : in) {
                if (i != null && i.data() == data) { // a view of an input: never round an input's array
                    data = data.clone();
                    break;
                }
            }
            roundInPlace(declared.dtype(), data);
        }
        return data == t.data() && t.dtype() == declared.dtype() ? t : new FloatTensor(declared.dtype(), declared.shape(), data);
    }

    private static String where(Step step) {
        return "node " + step.node().name() + " (" + step.node().op() + ")";
    }

    private void bindInputs(Map<String, Tensor> given, FloatTensor[] values) throws PluginException {
        if (given == null) throw new PluginException("no inputs given; graph " + graph.name() + " takes " + describeInputs());
        for (String name : given.keySet()) {
            boolean known = graph.inputs().stream().anyMatch(v -> v.name().equals(name));
            if (!known) {
                throw new PluginException("graph " + graph.name() + " has no input '" + name + "'; its inputs are " + describeInputs());
            }
        }
        for (Value v : graph.inputs()) {
            Tensor t = given.get(v.name());
            if (t == null) {
                throw new PluginException("input '" + v.name() + "' is missing: graph " + graph.name() + " needs "
                        + v.name() + " " + v.type() + " (given: " + String.join(", ", given.keySet()) + ")");
            }
            if (!v.type().sameShape(t.shape())) {
                throw new PluginException("input '" + v.name() + "' has shape " + Arrays.toString(t.shape())
                        + " but graph " + graph.name() + " expects " + v.type());
            }
            if (t.dtype() != v.type().dtype()) {
                throw new PluginException("input '" + v.name() + "' is " + t.type() + " but graph " + graph.name()
                        + " expects " + v.type());
            }
            values[id(v)] = FloatTensor.of(t);
        }
    }

    private String describeInputs() {
        List<String> d = new ArrayList<>();
        for (Value v : graph.inputs()) d.add(v.name() + " " + v.type());
        return String.join(", ", d);
    }

    private Map<Integer, String> resolveCaptures(Set<String> names) throws PluginException {
        Map<Integer, String> keys = new LinkedHashMap<>();
        for (String name : names) {
            Node node = nodeByName.get(name);
            if (node != null) {
                if (node.outputs().size() == 1) keys.put(id(node.output()), name);
                else for (Value v : node.outputs()) keys.put(id(v), v.name());
                continue;
            }
            Integer v = idByValueName.get(name);
            if (v == null) throw new PluginException("cannot capture '" + name + "': graph " + graph.name() + " has no node or value of that name");
            keys.put(v, name);
        }
        return keys;
    }

    /**
     * Time per op type over all runs of this session, sorted by op name. {@code callerCpu} is the CPU time
     * of the thread that called {@code run}: with {@code threads=1} all kernel work, unaffected by other
     * processes competing for the machine (wall time is).
     */
    public List<OpProfile> profile() {
        List<OpProfile> list = new ArrayList<>();
        profile.forEach((op, p) -> list.add(new OpProfile(op, p[0], Duration.ofNanos(p[1]), Duration.ofNanos(p[2]))));
        return list;
    }

    /** Accumulated cost of one op type. */
    public record OpProfile(String op, long calls, Duration wall, Duration callerCpu) {}

    @Override public void close() {
        if (closed) return;
        closed = true;
        parallel.close();
        constants = null;
    }
}
