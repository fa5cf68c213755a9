package dev.htdemucs.coreml.mil;

import dev.htdemucs.coreml.proto.Mil;

import java.util.ArrayList;
import java.util.List;

/** A MIL operation as read from a program, with the accessors op readers need. */
public record MilOperation(Mil.Operation proto) {
    public String type() { return proto.getType(); }

    /** The op's name: its "name" attribute, else its first output's name. */
    public String name() {
        Mil.Value n = proto.getAttributesMap().get("name");
        if (n != null) {
            try {
                return MilValues.decodeString(n, "name");
            } catch (IllegalArgumentException ignored) {
                // fall through to the output name
            }
        }
        return proto.getOutputsCount() > 0 ? proto.getOutputs(0).getName() : "<unnamed>";
    }

    public List<String> outputNames() {
        List<String> n = new ArrayList<>();
        for (Mil.NamedValueType o : proto.getOutputsList()) n.add(o.getName());
        return n;
    }

    public boolean has(String param) { return proto.getInputsMap().containsKey(param); }

    /** The names bound to a parameter (empty when absent). Inline values are not names; see {@link #argument}. */
    public Mil.Argument argument(String param) { return proto.getInputsMap().get(param); }

    /** "MIL op conv 'y_1'" — for error messages. */
    public String where() { return "MIL op " + type() + " '" + name() + "'"; }
}
