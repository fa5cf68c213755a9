package dev.htdemucs.pytorch.djl;

import dev.htdemucs.spi.InnerNetworkNames;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names (and, when declared, input shapes) of a TorchScript session's tensors. A TorchScript
 * {@code forward} takes and returns tensors by position; we give them names:
 *
 * <ul>
 *   <li>inputs: option {@value #INPUTS} (comma separated), else the parameter names of {@code forward} in the
 *       file (traced demucs inner models say {@code mix, spec}), else {@code mix, spec};</li>
 *   <li>outputs: option {@value #OUTPUTS}, else by count: 2 → {@code spec_out, wave_out} (the inner model),
 *       1 → {@code output}, n → {@code output0..output<n-1>}; when the file does not state the count,
 *       {@code spec_out, wave_out}, checked against what {@code forward} returns;</li>
 *   <li>input shapes: option {@value #INPUT_SHAPES}, e.g. {@code mix=1x2x343980,spec=1x4x2048x336}. TorchScript
 *       files do not record shapes; without it only libtorch's per-op checks apply, and a traced model may
 *       run other shapes without error (see {@link TorchScriptSession}).</li>
 * </ul>
 *
 * @param inputs      input names in {@code forward} order
 * @param outputs     output names in result order (checked against what {@code forward} returns at each run)
 * @param inputShapes declared input shapes by name (may be empty)
 */
record TorchScriptIo(List<String> inputs, List<String> outputs, Map<String, int[]> inputShapes) {
    static final String INPUTS = "inputs";
    static final String OUTPUTS = "outputs";
    static final String INPUT_SHAPES = "input-shapes";
    static final List<String> INNER_INPUTS = InnerNetworkNames.INPUTS;
    static final List<String> INNER_OUTPUTS = InnerNetworkNames.OUTPUTS;

    TorchScriptIo {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        inputShapes = Collections.unmodifiableMap(new LinkedHashMap<>(inputShapes));
    }

    /** Resolves names from the options and, when it could be read, the file's {@code forward} signature. */
    static TorchScriptIo resolve(Options options, Optional<TorchScriptSignature> signature, Path file) throws PluginException {
        List<String> inputs;
        if (options.has(INPUTS)) {
            inputs = names(options, INPUTS, file);
            if (signature.isPresent() && signature.get().inputs().size() != inputs.size()) {
                throw new PluginException("option " + INPUTS + " names " + inputs.size() + " tensors " + inputs + " but "
                        + signature.get() + " of " + file + " takes " + signature.get().inputs().size());
            }
        } else {
            inputs = signature.map(TorchScriptSignature::inputs).orElse(INNER_INPUTS);
        }
        List<String> outputs;
        if (options.has(OUTPUTS)) {
            outputs = names(options, OUTPUTS, file);
            if (signature.isPresent() && signature.get().outputs() != outputs.size()) {
                throw new PluginException("option " + OUTPUTS + " names " + outputs.size() + " tensors " + outputs + " but "
                        + signature.get() + " of " + file + " returns " + signature.get().outputs());
            }
        } else {
            outputs = signature.map(s -> defaultOutputs(s.outputs())).orElse(INNER_OUTPUTS);
        }
        Map<String, int[]> shapes = options.has(INPUT_SHAPES) ? shapes(options.get(INPUT_SHAPES, ""), inputs, file) : Map.of();
        return new TorchScriptIo(inputs, outputs, shapes);
    }

    static List<String> defaultOutputs(int count) {
        if (count == INNER_OUTPUTS.size()) {
            return INNER_OUTPUTS;
        }
        if (count == 1) {
            return List.of("output");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("output" + i);
        }
        return names;
    }

    private static List<String> names(Options options, String key, Path file) throws PluginException {
        List<String> names = new ArrayList<>();
        for (String part : options.get(key, "").split(",", -1)) {
            names.add(part.strip());
        }
        if (names.stream().anyMatch(String::isEmpty)) {
            throw new PluginException("option " + key + " must be comma-separated tensor names like 'mix,spec', got '"
                    + options.get(key, "") + "' (opening " + file + ")");
        }
        if (new LinkedHashSet<>(names).size() != names.size()) {
            throw new PluginException("option " + key + " names a tensor twice: " + names + " (opening " + file + ")");
        }
        return names;
    }

    private static Map<String, int[]> shapes(String text, List<String> inputs, Path file) throws PluginException {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        String expected = "expected name=d0xd1x..., comma separated, e.g. 'mix=1x2x343980,spec=1x4x2048x336'";
        for (String entry : text.split(",", -1)) {
            String[] kv = entry.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new PluginException("option " + INPUT_SHAPES + ": " + expected + ", got '" + entry.strip() + "' ("
                        + file + ")");
            }
            String name = kv[0].strip();
            if (!inputs.contains(name)) {
                throw new PluginException("option " + INPUT_SHAPES + " gives a shape for '" + name + "' but the inputs of "
                        + file + " are " + inputs);
            }
            String[] dims = kv[1].strip().split("x");
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                try {
                    shape[i] = Integer.parseInt(dims[i].strip());
                } catch (NumberFormatException e) {
                    shape[i] = -1;
                }
                if (shape[i] < 1) {
                    throw new PluginException("option " + INPUT_SHAPES + ": dimension '" + dims[i] + "' of " + name
                            + " is not a positive integer; " + expected + " (" + file + ")");
                }
            }
            shapes.put(name, shape);
        }
        return shapes;
    }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("inputs ").append(inputs);
        if (!inputShapes.isEmpty()) {
            b.append(" shapes {");
            inputShapes.forEach((k, v) -> b.append(k).append('=').append(Arrays.toString(v)).append(' '));
            b.setLength(b.length() - 1);
            b.append('}');
        }
        return b.append(", outputs ").append(outputs).toString();
    }
}
