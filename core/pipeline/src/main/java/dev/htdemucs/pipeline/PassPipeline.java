package dev.htdemucs.pipeline;

import dev.htdemucs.passes.ExtractInnerPass;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The graph passes a conversion runs, as data: an ordered list of {@link GraphPass} names, with options per
 * pass. Named pipelines ({@link #named}) are the starting points; a user edits one — {@link #append},
 * {@link #remove}, {@link #replace}, {@link #setOptions}, or the command-line syntax of {@link #edit} — and
 * gets a new pipeline (instances are immutable). Names become plugins only in {@link #resolve}, which refuses
 * unknown passes and option keys a pass does not declare ({@link GraphPass#optionKeys}).
 */
public final class PassPipeline {
    /** {@code extract-inner}: the full graph cut to the network between STFT and iSTFT. */
    public static final PassPipeline DEFAULT = new PassPipeline("default", List.of(ExtractInnerPass.NAME), Map.of());
    /** No passes: the graph as loaded (an emitter's {@link dev.htdemucs.spi.Emitter#requiredPasses} still run). */
    public static final PassPipeline EMPTY = new PassPipeline("empty", List.of(), Map.of());
    private static final Map<String, PassPipeline> NAMED = named(DEFAULT, EMPTY);

    private final String name;
    private final List<String> passes;
    private final Map<String, Options> options;

    private PassPipeline(String name, List<String> passes, Map<String, Options> options) {
        this.name = name;
        this.passes = List.copyOf(passes);
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    private static Map<String, PassPipeline> named(PassPipeline... pipelines) {
        Map<String, PassPipeline> m = new LinkedHashMap<>();
        for (PassPipeline p : pipelines) m.put(p.name, p);
        return Collections.unmodifiableMap(m);
    }

    /** The named pipeline, or an error listing the names. */
    public static PassPipeline named(String name) {
        PassPipeline p = NAMED.get(name);
        if (p == null) throw new IllegalArgumentException("no pass pipeline named '" + name + "'; named: " + String.join(", ", NAMED.keySet()));
        return p;
    }

    /** The names {@link #named} knows, {@code default} first. */
    public static Set<String> names() { return NAMED.keySet(); }

    /** The name of the pipeline this one was edited from ({@code custom} after {@link #replace}). */
    public String name() { return name; }

    /** The pass names, in the order they run. */
    public List<String> passes() { return passes; }

    /** The options set for {@code pass}, {@link Options#NONE} when none. */
    public Options options(String pass) { return options.getOrDefault(pass, Options.NONE); }

    /** This pipeline with {@code pass} appended, or this pipeline when it already runs that pass. */
    public PassPipeline append(String pass) {
        if (passes.contains(pass)) return this;
        List<String> out = new ArrayList<>(passes);
        out.add(pass);
        return new PassPipeline(name, out, options);
    }

    /** This pipeline without {@code pass}; an error when it does not run that pass. */
    public PassPipeline remove(String pass) {
        if (!passes.contains(pass)) throw new IllegalArgumentException("'" + pass + "' is not in the pipeline " + passes);
        List<String> out = new ArrayList<>(passes);
        out.remove(pass);
        Map<String, Options> opts = new LinkedHashMap<>(options);
        opts.remove(pass);
        return new PassPipeline(name, out, opts);
    }

    /** A pipeline of exactly these passes (options set for passes it keeps stay). */
    public PassPipeline replace(List<String> newPasses) {
        Map<String, Options> opts = new LinkedHashMap<>(options);
        opts.keySet().retainAll(newPasses);
        return new PassPipeline("custom", newPasses, opts);
    }

    /**
     * This pipeline with {@code passOptions} for {@code pass}, replacing what was set before; an error when the
     * pipeline does not run that pass. Keys are checked against the pass in {@link #resolve}.
     */
    public PassPipeline setOptions(String pass, Options passOptions) {
        if (!passes.contains(pass)) {
            throw new IllegalArgumentException("cannot set options of pass '" + pass + "': it is not in the pipeline " + passes);
        }
        Map<String, Options> opts = new LinkedHashMap<>(options);
        opts.put(pass, passOptions);
        return new PassPipeline(name, passes, opts);
    }

    /**
     * This pipeline edited as {@code --passes} says: "+name" appends a pass, "-name" removes one, and plain names
     * replace the whole list. Null or empty: this pipeline.
     */
    public PassPipeline edit(List<String> edits) {
        if (edits == null || edits.isEmpty()) return this;
        boolean replace = edits.stream().anyMatch(e -> !e.startsWith("+") && !e.startsWith("-"));
        if (replace && edits.stream().anyMatch(e -> e.startsWith("+") || e.startsWith("-"))) {
            throw new IllegalArgumentException("--passes takes either a full list of names or +name/-name edits, not both: " + edits);
        }
        if (replace) return replace(edits);
        PassPipeline out = this;
        for (String e : edits) {
            String pass = e.substring(1);
            if (e.startsWith("+")) {
                out = out.append(pass);
            } else if (!out.passes.contains(pass)) {
                throw new IllegalArgumentException("--passes " + e + ": '" + pass + "' is not in the pipeline " + out.passes);
            } else {
                out = out.remove(pass);
            }
        }
        return out;
    }

    /** This pipeline with the {@code required} passes it lacks run first, in the order given. */
    public PassPipeline require(List<String> required) {
        List<String> missing = required.stream().filter(p -> !passes.contains(p)).distinct().toList();
        if (missing.isEmpty()) return this;
        List<String> out = new ArrayList<>(missing);
        out.addAll(passes);
        return new PassPipeline(name, out, options);
    }

    /**
     * The pass plugins, in order: an error naming the available passes for an unknown name, and one naming the
     * pass's option keys for an option it does not declare.
     */
    public List<GraphPass> resolve(Plugins plugins) throws PluginException {
        List<GraphPass> out = new ArrayList<>();
        for (String p : passes) {
            GraphPass pass = plugins.get(GraphPass.class, p);
            Set<String> unknown = new TreeSet<>(options(p).asMap().keySet());
            unknown.removeAll(pass.optionKeys());
            if (!unknown.isEmpty()) {
                throw new PluginException("pass " + p + " has no option " + String.join(", ", unknown.stream().map(k -> "'" + k + "'").toList())
                        + (pass.optionKeys().isEmpty() ? "; it takes none" : "; its options: " + String.join(", ", new TreeSet<>(pass.optionKeys()))));
            }
            out.add(pass);
        }
        return out;
    }

    @Override public String toString() {
        return name + " " + passes + (options.isEmpty() ? "" : " " + options);
    }

    @Override public boolean equals(Object o) {
        return o instanceof PassPipeline p && p.name.equals(name) && p.passes.equals(passes)
                && p.options.keySet().equals(options.keySet())
                && options.entrySet().stream().allMatch(e -> e.getValue().asMap().equals(p.options.get(e.getKey()).asMap()));
    }

    @Override public int hashCode() { return name.hashCode() * 31 + passes.hashCode(); }
}
