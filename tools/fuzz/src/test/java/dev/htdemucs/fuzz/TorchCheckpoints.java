package dev.htdemucs.fuzz;

import dev.htdemucs.testsupport.PickleWriter;
import dev.htdemucs.testsupport.ZipWriter;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small demucs model packages in torch.save's zip format, laid out like the real thing
 * ({@code demucs.states.serialize_model} + {@code torch.save}, pickle protocol 2): a dict
 * {@code {klass, args, kwargs, state, training_args}} whose state tensors are
 * {@code torch._utils._rebuild_tensor_v2} calls on persistent-id storages.
 */
final class TorchCheckpoints {
    /** One state-dict entry: a view of storage {@code key} ({@code storageNumel} elements of {@code storageType}). */
    record TensorView(String name, String storageType, String key, long storageNumel, long offset, long[] size,
                      long[] stride) {
        static TensorView contiguous(String name, String storageType, String key, long... size) {
            long[] stride = new long[size.length];
            long numel = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                stride[i] = numel;
                numel *= size[i];
            }
            return new TensorView(name, storageType, key, numel, 0, size, stride);
        }
    }

    private TorchCheckpoints() {
    }

    /** Two float16 tensors (a [2,3] weight and its [2] bias), enough to walk every part of the reader. */
    static List<TensorView> twoTensors() {
        return List.of(TensorView.contiguous("encoder.0.conv.weight", "HalfStorage", "0", 2, 3),
                TensorView.contiguous("encoder.0.conv.bias", "FloatStorage", "1", 2));
    }

    /** Bytes 0, 1, 2, ... for each storage the views name, sized to the largest declared numel. */
    static Map<String, byte[]> storagesFor(List<TensorView> views) {
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (TensorView v : views) {
            int bytes = Math.toIntExact(v.storageNumel() * elementSize(v.storageType()));
            byte[] data = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                data[i] = (byte) i;
            }
            storages.merge(v.key(), data, (a, b) -> a.length >= b.length ? a : b);
        }
        return storages;
    }

    /** A complete checkpoint file: data.pkl, version, byteorder and the storages, 64-byte aligned like torch. */
    static byte[] checkpoint(List<TensorView> views) {
        return archive("model/", demucsPackage(views), storagesFor(views), false).torchAlignment().toByteArray();
    }

    /** data.pkl, byteorder, the storages and version under {@code prefix}, all STORED (as torch) or all DEFLATED. */
    static ZipWriter archive(String prefix, byte[] pickle, Map<String, byte[]> storages, boolean deflate) {
        ZipWriter zip = new ZipWriter();
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(prefix + "data.pkl", pickle);
        entries.put(prefix + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((key, data) -> entries.put(prefix + "data/" + key, data));
        entries.put(prefix + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        entries.forEach((name, data) -> {
            if (deflate) {
                zip.deflated(name, data);
            } else {
                zip.stored(name, data);
            }
        });
        return zip;
    }

    /** The pickle of a demucs model package holding {@code views} as its state dict. */
    static byte[] demucsPackage(List<TensorView> views) {
        Memo memo = new Memo();
        PickleWriter p = new PickleWriter().proto(2).emptyDict();
        memo.put(p, "root");
        p.mark();
        p.string("klass").global("demucs.htdemucs", "HTDemucs");
        p.string("args").emptyList().mark().string("drums").string("bass").appends().tuple1();
        p.string("kwargs").emptyDict().mark();
        p.string("channels").integer(4);
        p.string("depth").integer(2);
        p.string("samplerate").integer(44100);
        p.string("segment").global("fractions", "Fraction").integer(39).integer(5).tuple2().reduce();
        p.string("cac").bool(true);
        p.string("rescale").binfloat(0.1);
        p.string("norm_starts").none();
        p.string("t_dropout").binfloat(0.0);
        p.setitems();

        p.string("state").global("collections", "OrderedDict");
        memo.put(p, "OrderedDict");
        p.emptyTuple().reduce().mark();
        for (TensorView v : views) {
            p.string(v.name());
            memo.getOrPut(p, "rebuild", w -> w.global("torch._utils", "_rebuild_tensor_v2"));
            p.mark();
            p.mark().string("storage");
            memo.getOrPut(p, v.storageType(), w -> w.global("torch", v.storageType()));
            p.string(v.key()).string("cpu").integer(v.storageNumel()).tuple().binpersid();
            p.integer(v.offset());
            longTuple(p, v.size());
            longTuple(p, v.stride());
            p.bool(false);
            memo.getOrPut(p, "OrderedDict", w -> w.global("collections", "OrderedDict"));
            p.emptyTuple().reduce();
            p.tuple().reduce();
        }
        p.setitems();

        // training_args: an argparse.Namespace, kept by the reader as an inert object
        p.string("training_args").global("argparse", "Namespace").emptyTuple().newobj();
        p.emptyDict().mark().string("epochs").integer(360).string("lr").binfloat(3e-4).setitems().build();
        p.setitems();
        return p.stop().toByteArray();
    }

    private static void longTuple(PickleWriter p, long[] values) {
        if (values.length == 0) {
            p.emptyTuple();
            return;
        }
        p.mark();
        for (long v : values) {
            p.integer(v);
        }
        p.tuple();
    }

    static int elementSize(String storageType) {
        return switch (storageType) {
            case "HalfStorage", "BFloat16Storage", "ShortStorage" -> 2;
            case "FloatStorage", "IntStorage" -> 4;
            case "DoubleStorage", "LongStorage" -> 8;
            default -> 1;
        };
    }

    /** CPython-style memoisation: the first use of a value is memoised with BINPUT, later ones are BINGETs. */
    private static final class Memo {
        private final Map<String, Integer> indices = new HashMap<>();

        void put(PickleWriter p, String what) {
            int index = indices.size();
            indices.put(what, index);
            p.binput(index);
        }

        void getOrPut(PickleWriter p, String what, java.util.function.Consumer<PickleWriter> write) {
            Integer index = indices.get(what);
            if (index != null) {
                p.binget(index);
            } else {
                write.accept(p);
                put(p, what);
            }
        }
    }
}
