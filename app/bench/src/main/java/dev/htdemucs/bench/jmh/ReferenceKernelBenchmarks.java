package dev.htdemucs.bench.jmh;

import dev.htdemucs.numerics.Signals;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.runtime.reference.kernel.Kernel;
import dev.htdemucs.runtime.reference.kernel.KernelTable;
import dev.htdemucs.runtime.reference.kernel.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Single reference-runtime kernels on layers of htdemucs_6s's inner network (shapes as its graph has them;
 * {@code htdemucs inspect} lists them all). Each case is one node run by its {@link Kernel}, without the
 * session around it, so the time is the kernel's alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class ReferenceKernelBenchmarks {
    /** The layer, see {@link #node}. */
    @Param({"freq_encoder0_conv", "time_encoder1_conv", "freq_rewrite_3x3", "dconv_pointwise", "dconv_dilated",
            "time_decoder0_conv_transpose", "transformer_ffn_linear", "attention_scores", "attention_values"})
    String layer;
    @Param({"2"}) int threads;

    private Kernel kernel;
    private Node node;
    private FloatTensor[] inputs;
    private Parallel parallel;

    @Setup public void setUp() {
        GraphBuilder g = new GraphBuilder("bench-" + layer);
        Value out = switch (layer) {
            // encoder 0, spectral branch: Conv2d(4, 48, (8, 1), stride (4, 1), pad (2, 0))
            case "freq_encoder0_conv" -> conv(g, new int[] {1, 4, 2048, 336}, new int[] {48, 4, 8, 1},
                    Attributes.of("strides", new int[] {4, 1}, "pads", new int[] {2, 2, 0, 0}));
            // encoder 1, time branch: Conv1d(48, 96, 8, stride 4)
            case "time_encoder1_conv" -> conv(g, new int[] {1, 48, 85995}, new int[] {96, 48, 8},
                    Attributes.of("strides", new int[] {4}, "pads", new int[] {2, 3}));
            // encoder 0's rewrite (GLU input), spectral branch: Conv2d(48, 96, 3, pad 1)
            case "freq_rewrite_3x3" -> conv(g, new int[] {1, 48, 512, 336}, new int[] {96, 48, 3, 3},
                    Attributes.of("strides", new int[] {1, 1}, "pads", new int[] {1, 1, 1, 1}));
            // DConv of encoder 0 (spectral, frequencies folded into the batch): 1x1 expansion 6 -> 96
            case "dconv_pointwise" -> conv(g, new int[] {512, 6, 336}, new int[] {96, 6, 1},
                    Attributes.of("strides", new int[] {1}, "pads", new int[] {0, 0}));
            // DConv of encoder 0: dilated Conv1d(48, 6, 3, dilation 2)
            case "dconv_dilated" -> conv(g, new int[] {512, 48, 336}, new int[] {6, 48, 3},
                    Attributes.of("strides", new int[] {1}, "pads", new int[] {2, 2}, "dilations", new int[] {2}));
            // last time decoder: ConvTranspose1d(48, 12, 8, stride 4)
            case "time_decoder0_conv_transpose" -> {
                Value x = g.input("x", TensorType.f32(1, 48, 85995));
                Value w = g.input("w", TensorType.f32(48, 12, 8));
                Value b = g.input("b", TensorType.f32(12));
                yield g.op("conv_transpose", "op", Attributes.of("strides", new int[] {4}), x, w, b);
            }
            // cross-transformer feed-forward, spectral tokens: Linear(384, 1536)
            case "transformer_ffn_linear" -> {
                Value x = g.input("x", TensorType.f32(1, 2688, 384));
                Value w = g.input("w", TensorType.f32(1536, 384));
                Value b = g.input("b", TensorType.f32(1536));
                yield g.op("linear", "op", Attributes.EMPTY, x, w, b);
            }
            // self-attention scores, 8 heads of 48 over 2688 tokens: q · kᵀ
            case "attention_scores" -> {
                Value q = g.input("q", TensorType.f32(1, 8, 2688, 48));
                Value k = g.input("k", TensorType.f32(1, 8, 2688, 48));
                yield g.op("matmul", "op", Attributes.of("transpose_y", true), q, k);
            }
            // self-attention output: softmax(scores) · v
            case "attention_values" -> {
                Value p = g.input("p", TensorType.f32(1, 8, 2688, 2688));
                Value v = g.input("v", TensorType.f32(1, 8, 2688, 48));
                yield g.op("matmul", "op", Attributes.EMPTY, p, v);
            }
            default -> throw new IllegalArgumentException("unknown layer '" + layer + "'");
        };
        g.output("out", out);
        Graph graph = g.build();
        node = graph.nodes().stream().filter(n -> n.outputs().contains(out)).findFirst().orElseThrow();
        kernel = KernelTable.standard().find(node.op()).orElseThrow();
        inputs = new FloatTensor[graph.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            TensorType t = graph.inputs().get(i).type();
            inputs[i] = FloatTensor.of(t.shape(), Signals.noise(1, Math.toIntExact(t.numel()), 0.1, i + 1));
        }
        parallel = Parallel.withThreads(threads);
    }

    private static Value conv(GraphBuilder g, int[] x, int[] w, Attributes attributes) {
        Value xv = g.input("x", TensorType.f32(x));
        Value wv = g.input("w", TensorType.f32(w));
        Value bv = g.input("b", TensorType.f32(w[0]));
        return g.op("conv", "op", attributes, xv, wv, bv);
    }

    @TearDown(Level.Trial) public void tearDown() {
        parallel.close();
    }

    @Benchmark public FloatTensor[] execute() {
        return kernel.execute(node, inputs, parallel);
    }
}
