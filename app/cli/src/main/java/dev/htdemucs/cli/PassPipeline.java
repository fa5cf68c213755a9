package dev.htdemucs.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The ordered pass names a conversion runs. Users edit the default list on the command line:
 * "+name" appends a pass, "-name" removes one, and plain names replace the whole list.
 */
final class PassPipeline {
    static final List<String> DEFAULT = List.of("extract-inner");

    private PassPipeline() {}

    static List<String> resolve(List<String> edits) {
        if (edits == null || edits.isEmpty()) return DEFAULT;
        boolean replace = edits.stream().anyMatch(e -> !e.startsWith("+") && !e.startsWith("-"));
        if (replace && edits.stream().anyMatch(e -> e.startsWith("+") || e.startsWith("-"))) {
            throw new IllegalArgumentException("--passes takes either a full list of names or +name/-name edits, not both: " + edits);
        }
        if (replace) return List.copyOf(edits);
        List<String> out = new ArrayList<>(DEFAULT);
        for (String e : edits) {
            String name = e.substring(1);
            if (e.startsWith("+")) {
                if (!out.contains(name)) out.add(name);
            } else if (!out.remove(name)) {
                throw new IllegalArgumentException("--passes " + e + ": '" + name + "' is not in the pipeline " + out);
            }
        }
        return out;
    }
}
