package dev.htdemucs.architecture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A dependency of a pom on a module of this project ({@code groupId dev.htdemucs}), with its scope. */
record PomDependency(String artifactId, String scope) {
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
    private static final Pattern GROUP = Pattern.compile("<groupId>\\s*dev\\.htdemucs\\s*</groupId>");
    private static final Pattern ARTIFACT = Pattern.compile("<artifactId>\\s*([^<\\s]+)\\s*</artifactId>");
    private static final Pattern SCOPE = Pattern.compile("<scope>\\s*([^<\\s]+)\\s*</scope>");

    /** The project dependencies a pom declares (dependency management is not in a module pom). */
    static List<PomDependency> in(Path pom) throws IOException {
        List<PomDependency> found = new ArrayList<>();
        Matcher d = DEPENDENCY.matcher(Files.readString(pom));
        while (d.find()) {
            String body = d.group(1);
            if (!GROUP.matcher(body).find()) continue;
            Matcher a = ARTIFACT.matcher(body), s = SCOPE.matcher(body);
            if (a.find()) found.add(new PomDependency(a.group(1), s.find() ? s.group(1) : "compile"));
        }
        return found;
    }
}
