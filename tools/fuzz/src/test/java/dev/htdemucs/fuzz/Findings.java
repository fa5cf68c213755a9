package dev.htdemucs.fuzz;

import dev.htdemucs.testsupport.PickleWriter;
import dev.htdemucs.testsupport.ZipWriter;

import dev.htdemucs.fuzz.TorchCheckpoints.TensorView;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs behind each reader bug this module found, built by code. The hostile-size tests assert the
 * readers now refuse them; {@link SeedCorpus} also writes them as {@code finding-*} files into the fuzz
 * targets' inputs directories, so regression mode replays each through its target.
 */
final class Findings {
    private Findings() {
    }

    /** Regression inputs by path under the resources directory (see {@link SeedCorpus}). */
    static Map<String, byte[]> regressionInputs() {
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        inputs.put(SeedCorpus.CHECKPOINT_FILES + "finding-deflated-storage-declares-2gib.th", deflatedStorageDeclaringTwoGigabytes());
        inputs.put(SeedCorpus.CHECKPOINT_FILES + "finding-zip64-central-directory-offset-wraps.th", zip64CentralDirectoryOffsetThatWraps());
        inputs.put(SeedCorpus.CHECKPOINT_PICKLES + "finding-stride0-view-of-1.6gb.pkl",
                TorchCheckpoints.demucsPackage(List.of(broadcastView(40_000, 10_000))));
        inputs.put(SeedCorpus.PICKLES + "finding-nested-frozensets.pkl", nestedFrozensets(30_000));
        inputs.put(SeedCorpus.PICKLES + "finding-fraction-1e999999999.pkl", fraction("1e999999999"));
        inputs.put(SeedCorpus.PICKLES + "finding-tuple-key-doubled-60-levels.pkl", doubledTupleKeys(60));
        inputs.put(SeedCorpus.PICKLES + "finding-frozenset-doubled-30-levels.pkl", doubledFrozensetMembers(30));
        inputs.put(SeedCorpus.ONNX + "finding-input-dim-2pow31.onnx", graphInputBeyondThirtyTwoBits().toByteArray());
        inputs.put(SeedCorpus.ONNX + "finding-constantofshape-1.9e9-elements.onnx",
                folded("ConstantOfShape", OnnxModels.int64s("shape", new long[] {3}, 16384, 16384, 7)).toByteArray());
        inputs.put(SeedCorpus.ONNX + "finding-range-2pow31-elements.onnx", rangeOfBillions().toByteArray());
        inputs.put(SeedCorpus.ONNX + "finding-expand-to-1.6e9-elements.onnx", expandToBillions().toByteArray());
        inputs.put(SeedCorpus.ONNX + "finding-pad-with-empty-constant-value.onnx", padWithEmptyConstantValue().toByteArray());
        return inputs;
    }

    // ------------------------------------------------------------------------------------------ checkpoints

    /** A zip bomb's header: a DEFLATED storage of 64 real bytes declared as almost 2 GiB. */
    static byte[] deflatedStorageDeclaringTwoGigabytes() {
        TensorView small = TensorView.contiguous("w", "HalfStorage", "0", 4);
        return new ZipWriter()
                .stored("model/data.pkl", TorchCheckpoints.demucsPackage(List.of(small)))
                .deflatedClaiming("model/data/0", new byte[64], Integer.MAX_VALUE - 64)
                .toByteArray();
    }

    /** A ZIP64 end record whose central directory offset + size wraps to a negative number. */
    static byte[] zip64CentralDirectoryOffsetThatWraps() {
        List<TensorView> two = TorchCheckpoints.twoTensors();
        byte[] file = TorchCheckpoints.archive("archive/", TorchCheckpoints.demucsPackage(two),
                TorchCheckpoints.storagesFor(two), false).zip64().toByteArray();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int end64 = lastIndexOf(file, 0x06064b50);
        b.putLong(end64 + 40, Integer.MAX_VALUE - 8); // central directory size
        b.putLong(end64 + 48, Long.MAX_VALUE - 16); // central directory offset
        return file;
    }

    /** A stride-0 view of a one-element float storage that materialises to {@code rows * columns} elements. */
    static TensorView broadcastView(long rows, long columns) {
        return new TensorView("w", "FloatStorage", "0", 1, 0, new long[] {rows, columns}, new long[] {0, 0});
    }

    /** frozenset(frozenset(...)) {@code depth} levels deep: Java hashes nested sets recursively. */
    static byte[] nestedFrozensets(int depth) {
        PickleWriter p = new PickleWriter().proto(4);
        for (int i = 0; i < depth; i++) {
            p.mark();
        }
        for (int i = 0; i < depth; i++) {
            p.frozenset();
        }
        return p.stop().toByteArray();
    }

    /**
     * {@code t0 = (1, 2); t(i+1) = (t(i), t(i))}, built twice (memo 0.. and 1000..), and the dict
     * {@code {t(levels): 'a', u(levels): 'b', (t(levels-1), u(levels-1)): 'c'}}: three equal keys whose
     * expansion has 2^levels pairs. Walking it to check, hash or compare a key never ended.
     */
    static byte[] doubledTupleKeys(int levels) {
        PickleWriter p = new PickleWriter().proto(2);
        for (int first : new int[] {0, 1000}) {
            p.integer(1).integer(2).tuple2().binput(first).pop();
            for (int i = 1; i <= levels; i++) {
                p.binget(first + i - 1).binget(first + i - 1).tuple2().binput(first + i).pop();
            }
        }
        p.emptyDict().mark()
                .binget(levels).string("a")
                .binget(1000 + levels).string("b")
                .binget(levels - 1).binget(1000 + levels - 1).tuple2().string("c");
        return p.setitems().stop().toByteArray();
    }

    /**
     * {@code f0 = frozenset({1}); f(i+1) = frozenset({(f(i), 0), (f(i), 1)})}, built twice, as the two
     * members of a set: equal members, each with 2^levels leaves.
     */
    static byte[] doubledFrozensetMembers(int levels) {
        PickleWriter p = new PickleWriter().proto(4);
        for (int first : new int[] {0, 1000}) {
            p.mark().integer(1).frozenset().binput(first).pop();
            for (int i = 1; i <= levels; i++) {
                p.mark().binget(first + i - 1).integer(0).tuple2().binget(first + i - 1).integer(1).tuple2()
                        .frozenset().binput(first + i).pop();
            }
        }
        return p.emptySet().mark().binget(levels).binget(1000 + levels).additems().stop().toByteArray();
    }

    /** {@code fractions.Fraction(text)}. */
    static byte[] fraction(String text) {
        return new PickleWriter().proto(2).global("fractions", "Fraction").string(text).tuple1().reduce().stop().toByteArray();
    }

    static int lastIndexOf(byte[] file, int signature) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = file.length - 4; i >= 0; i--) {
            if (b.getInt(i) == signature) {
                return i;
            }
        }
        throw new AssertionError(String.format("signature %08x not found", signature));
    }

    // ------------------------------------------------------------------------------------------ ONNX

    static ModelProto graphInputBeyondThirtyTwoBits() {
        GraphProto g = GraphProto.newBuilder().addInput(OnnxModels.tensorInput("x", OnnxModels.FLOAT, 1, 1L << 31))
                .addNode(OnnxModels.node("Identity", "id", new String[] {"x"}, new String[] {"y"}))
                .addOutput(OnnxModels.tensorInput("y", OnnxModels.FLOAT, 1, 1L << 31)).build();
        return OnnxModels.model(g);
    }

    static ModelProto rangeOfBillions() {
        GraphProto g = GraphProto.newBuilder()
                .addInitializer(OnnxModels.int64s("start", new long[0], 0))
                .addInitializer(OnnxModels.int64s("limit", new long[0], Integer.MAX_VALUE - 16))
                .addInitializer(OnnxModels.int64s("delta", new long[0], 1))
                .addNode(OnnxModels.node("Range", "range", new String[] {"start", "limit", "delta"}, new String[] {"r"}))
                .addNode(OnnxModels.node("Identity", "id", new String[] {"r"}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.INT64)).build();
        return OnnxModels.model(g);
    }

    static ModelProto expandToBillions() {
        GraphProto g = GraphProto.newBuilder()
                .addInitializer(OnnxModels.floats("one", new long[] {1}, 1f))
                .addInitializer(OnnxModels.int64s("shape", new long[] {2}, 40_000, 40_000))
                .addNode(OnnxModels.node("Expand", "expand", new String[] {"one", "shape"}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.FLOAT)).build();
        return OnnxModels.model(g);
    }

    /** Pad whose constant_value input holds no element (the importer read element 0 of it). */
    static ModelProto padWithEmptyConstantValue() {
        GraphProto g = GraphProto.newBuilder()
                .addInput(OnnxModels.tensorInput("x", OnnxModels.FLOAT, 1, 2))
                .addInitializer(OnnxModels.int64s("pads", new long[] {4}, 0, 0, 0, 1))
                .addInitializer(OnnxModels.floats("value", new long[] {0}))
                .addNode(OnnxModels.node("Pad", "pad", new String[] {"x", "pads", "value"}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.FLOAT)).build();
        return OnnxModels.model(g);
    }

    /** A graph whose output is {@code op(input)} with the input an initializer, so the importer evaluates it. */
    static ModelProto folded(String op, TensorProto input) {
        GraphProto g = GraphProto.newBuilder().addInitializer(input)
                .addNode(OnnxModels.node(op, "folded", new String[] {input.getName()}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.FLOAT)).build();
        return OnnxModels.model(g);
    }
}
