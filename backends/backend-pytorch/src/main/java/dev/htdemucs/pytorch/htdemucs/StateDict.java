package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.PluginException;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's state dict as the graph builder consumes it: every tensor is taken exactly once under the shape
 * the hyper-parameters imply, and whatever is left over at the end is an error. This is what turns a
 * mismatch between kwargs and weights into a message naming the tensor instead of a wrong graph.
 */
final class StateDict {
    private final Map<String, Tensor> tensors;
    private final Set<String> consumed = new HashSet<>();

    StateDict(Map<String, Tensor> tensors) {
        this.tensors = new LinkedHashMap<>(tensors);
    }

    /**
     * The tensor under {@code key} as float32, after checking its shape.
     *
     * @throws PluginException when the key is missing, was already taken, or has another shape or a
     *                         non-floating dtype; the message names the key, the expected and the found shape
     */
    Tensor take(String key, int... expectedShape) throws PluginException {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new PluginException("state dict has no tensor '" + key + "'; the kwargs imply one of shape "
                    + Arrays.toString(expectedShape) + nearbyKeys(key));
        }
        if (!consumed.add(key)) {
            throw new IllegalStateException("graph builder bug: state tensor '" + key + "' taken twice");
        }
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new PluginException("state tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + " but the kwargs imply " + Arrays.toString(expectedShape));
        }
        if (!t.dtype().isFloatingPoint()) {
            throw new PluginException("state tensor '" + key + "' has dtype " + t.dtype() + ", expected a floating-point type");
        }
        return t.to(DType.FLOAT32);
    }

    /**
     * Marks tensors demucs creates but never uses at inference (e.g. {@code norm3} of a post-norm cross layer),
     * after checking they exist with the expected shape, so they do not count as unused.
     */
    void skip(String key, int... expectedShape) throws PluginException {
        take(key, expectedShape);
    }

    /** Fails naming every key no part of the graph took. */
    void requireAllConsumed() throws PluginException {
        List<String> unused = tensors.keySet().stream().filter(k -> !consumed.contains(k)).toList();
        if (!unused.isEmpty()) {
            throw new PluginException("state dict has " + unused.size() + " tensor" + (unused.size() == 1 ? "" : "s")
                    + " the HTDemucs graph for these kwargs does not use: " + unused);
        }
    }

    /** Parameters: the total element count of all tensors. */
    long numel() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.numel();
        return n;
    }

    /** Up to three keys sharing the missing key's module, to tell a renamed module from a different architecture. */
    private String nearbyKeys(String key) {
        int dot = key.lastIndexOf('.');
        String module = dot > 0 ? key.substring(0, dot + 1) : key;
        List<String> similar = tensors.keySet().stream().filter(k -> k.startsWith(module)).limit(3).toList();
        return similar.isEmpty() ? " (no tensor of module '" + module.replaceAll("\\.$", "") + "' exists)"
                : " (the module has " + similar + ")";
    }
}
