package dev.htdemucs.coreml.mil;

import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.TensorType;

import java.util.List;
import java.util.function.Consumer;

/**
 * Builds one MIL operation: parameters bound to value names, typed outputs, and the "name" attribute
 * coremltools gives every op. {@link #emit()} appends it to its block.
 */
public final class MilOpBuilder {
    private final Mil.Operation.Builder op;
    private final Consumer<Mil.Operation> sink;
    private String name;

    MilOpBuilder(String type, Consumer<Mil.Operation> sink) {
        this.op = Mil.Operation.newBuilder().setType(type);
        this.sink = sink;
    }

    /** Binds a parameter to one value name; a null name leaves the (optional) parameter out. */
    public MilOpBuilder in(String param, String valueName) {
        if (valueName != null) op.putInputs(param, Mil.Argument.newBuilder().addArguments(binding(valueName)).build());
        return this;
    }

    /** Binds a variadic parameter (concat "values") to several names, in order. */
    public MilOpBuilder in(String param, List<String> valueNames) {
        Mil.Argument.Builder a = Mil.Argument.newBuilder();
        for (String n : valueNames) a.addArguments(binding(n));
        op.putInputs(param, a.build());
        return this;
    }

    public MilOpBuilder out(String valueName, TensorType type) {
        if (name == null) name = valueName;
        op.addOutputs(Mil.NamedValueType.newBuilder().setName(valueName).setType(MilTypes.valueType(type)));
        return this;
    }

    /** The op's name attribute; defaults to its first output's name. */
    public MilOpBuilder name(String opName) {
        this.name = opName;
        return this;
    }

    public Mil.Operation emit() {
        if (name == null) throw new IllegalStateException("MIL op " + op.getType() + " has no outputs");
        op.putAttributes("name", MilValues.string(name));
        Mil.Operation built = op.build();
        sink.accept(built);
        return built;
    }

    private static Mil.Argument.Binding binding(String name) {
        return Mil.Argument.Binding.newBuilder().setName(name).build();
    }
}
