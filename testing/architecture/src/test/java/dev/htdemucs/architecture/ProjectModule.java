package dev.htdemucs.architecture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A module of the reactor, named by its folder ({@code backends/emitter-coreml}). */
record ProjectModule(String folder, Layer layer) {
    private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");

    static ProjectModule of(String folder) {
        String[] parts = folder.split("/");
        if (parts.length != 2) throw new IllegalArgumentException("module '" + folder + "' is not <layer>/<module>");
        return new ProjectModule(folder, Layer.ofFolder(parts[0]));
    }

    /** Every module the root pom lists, in its order. */
    static List<ProjectModule> listedIn(Path rootPom) throws IOException {
        List<ProjectModule> modules = new ArrayList<>();
        Matcher m = MODULE.matcher(Files.readString(rootPom));
        while (m.find()) modules.add(of(m.group(1)));
        return modules;
    }

    boolean isSpi() { return folder.equals("core/spi"); }

    /** Whether main code of this module may use classes of {@code other}. */
    boolean mayUse(ProjectModule other) {
        if (other.equals(this)) return true;
        if (isSpi()) return false;
        if (layer == Layer.BACKENDS && other.layer == Layer.BACKENDS) return false;
        return layer.uses().contains(other.layer);
    }

    /** Why {@link #mayUse} said no, for the failure message. */
    String rule() {
        if (isSpi()) return "core/spi uses nothing of the project";
        if (layer == Layer.BACKENDS) return "a backend uses core only, never another backend";
        return layer.folder() + "/* may use " + layer.uses().stream().map(Layer::folder).toList();
    }
}
