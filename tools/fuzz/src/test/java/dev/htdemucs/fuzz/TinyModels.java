package dev.htdemucs.fuzz;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;

import java.util.List;
import java.util.Map;

/**
 * A small IR graph touching the op families of HTDemucs (conv, group norm, GLU, transpose, matmul,
 * softmax, layer norm, reductions, reshape, slice, concat, pad), emitted by our own ONNX and Core ML
 * emitters to seed the loaders' fuzz targets with valid files of a few kilobytes.
 */
final class TinyModels {
    private TinyModels() {
    }

    static LoadedModel mixedOps() {
        GraphBuilder b = new GraphBuilder("tiny");
        Value mix = b.input("mix", TensorType.f32(1, 2, 16));
        Value conv = b.op("conv", "encoder.conv", Attributes.of("pads", new int[] {1, 1}),
                mix, b.constant("encoder.conv.weight", ramp(8, 2, 3)), b.constant("encoder.conv.bias", ramp(8)));
        Value norm = b.op("group_norm", "encoder.norm", Attributes.of("num_groups", 2),
                conv, b.constant("encoder.norm.weight", ramp(8)), b.constant("encoder.norm.bias", ramp(8)));
        Value glu = b.op("glu", "encoder.glu", Attributes.of("axis", 1), b.op("gelu", "encoder.gelu", Attributes.EMPTY, norm));
        Value tokens = b.op("transpose", "to_tokens", Attributes.of("perm", new int[] {0, 2, 1}), glu); // [1,16,4]
        Value scores = b.op("matmul", "attn.scores", Attributes.EMPTY, tokens,
                b.op("transpose", "attn.keys", Attributes.of("perm", new int[] {0, 2, 1}), tokens)); // [1,16,16]
        Value attn = b.op("matmul", "attn.mix", Attributes.EMPTY,
                b.op("softmax", "attn.softmax", Attributes.of("axis", -1), scores), tokens); // [1,16,4]
        Value ln = b.op("layer_norm", "attn.norm", Attributes.of("axes", new int[] {-1}),
                b.op("add", "attn.residual", Attributes.EMPTY, attn, tokens), b.constant("attn.norm.weight", ramp(4)),
                b.constant("attn.norm.bias", ramp(4)));
        Value mean = b.op("reduce_mean", "pool", Attributes.of("axes", new int[] {1}, "keep_dims", true), ln); // [1,1,4]
        Value scaled = b.op("mul", "scale", Attributes.EMPTY, b.op("sub", "center", Attributes.EMPTY, ln, mean),
                b.op("sigmoid", "gate", Attributes.EMPTY, mean));
        Value back = b.op("transpose", "to_channels", Attributes.of("perm", new int[] {0, 2, 1}), scaled); // [1,4,16]
        Value left = b.op("slice", "left", Attributes.of("begin", new int[] {0, 0, 0}, "end", new int[] {1, 4, 8}), back);
        Value right = b.op("slice", "right", Attributes.of("begin", new int[] {0, 0, 8}, "end", new int[] {1, 4, 16}), back);
        Value joined = b.op("concat", "join", Attributes.of("axis", 1), left, right); // [1,8,8]
        Value padded = b.op("pad", "pad", Attributes.of("pads", new int[] {0, 0, 0, 0, 2, 2}), joined); // [1,8,12]
        Value out = b.op("reshape", "reshape", Attributes.of("shape", new int[] {1, 2, 48}),
                b.op("relu", "relu", Attributes.EMPTY, padded));
        b.output("out", out);
        ModelMetadata metadata = new ModelMetadata("tiny", List.of("drums", "bass"), 44100, 2, 16, 8, 2, Map.of());
        return new LoadedModel(b.build(), metadata);
    }

    /** 0.01, 0.02, ... so no two weights are equal (weights deduplication cannot hide any). */
    private static Tensor ramp(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.01f * (i + 1) * (i % 2 == 0 ? 1 : -1);
        }
        return Tensor.ofFloats(shape, v);
    }
}
