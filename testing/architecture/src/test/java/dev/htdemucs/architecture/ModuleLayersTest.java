package dev.htdemucs.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.htdemucs.architecture.samples.ForbiddenImportSample;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The folder layout is the architecture: reads the main classes of every module the root pom lists and
 * fails on any use the layer rule forbids. Test code is not checked: a test may cross-check backends.
 */
class ModuleLayersTest {
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    private static List<ProjectModule> modules;
    private static Map<String, ProjectModule> moduleOf;
    private static JavaClasses classes;

    @BeforeAll
    static void importEveryModule() throws IOException {
        modules = ProjectModule.listedIn(ROOT.resolve("pom.xml"));
        moduleOf = new HashMap<>();
        List<Path> dirs = new java.util.ArrayList<>();
        for (ProjectModule m : modules) {
            Path dir = ROOT.resolve(m.folder()).resolve("target/classes");
            if (!Files.isDirectory(dir)) continue; // test-only modules (fuzz, this one) have no main classes
            dirs.add(dir);
            for (JavaClass c : new ClassFileImporter().importPath(dir)) moduleOf.put(c.getName(), m);
        }
        classes = new ClassFileImporter().importPaths(dirs);
    }

    @Test
    void everyModuleUsesOnlyTheLayersItMay() {
        List<String> violations = LayerCheck.violations(classes, moduleOf);
        if (!violations.isEmpty()) {
            fail(violations.size() + " forbidden uses across modules:\n  " + String.join("\n  ", violations));
        }
    }

    /**
     * The poms too: a class that reads only another module's compile-time constants leaves no trace in the
     * bytecode, but it cannot compile without the dependency.
     */
    @Test
    void everyPomDeclaresOnlyWhatItsLayerMayUse() throws IOException {
        Map<String, ProjectModule> byArtifact = new HashMap<>();
        for (ProjectModule m : modules) byArtifact.put(m.folder().substring(m.folder().indexOf('/') + 1), m);
        List<String> violations = new java.util.ArrayList<>();
        for (ProjectModule m : modules) {
            for (PomDependency d : PomDependency.in(ROOT.resolve(m.folder()).resolve("pom.xml"))) {
                ProjectModule to = byArtifact.get(d.artifactId());
                if (to == null || d.scope().equals("test") || m.mayUse(to)) continue;
                violations.add(m.folder() + "/pom.xml declares " + d.artifactId() + " (" + d.scope() + ") of " + to.folder()
                        + " (" + m.rule() + ")");
            }
        }
        if (!violations.isEmpty()) fail(violations.size() + " forbidden dependencies:\n  " + String.join("\n  ", violations));
    }

    @Test
    void theCoreMlEmitterUsesNothingThatRunsModels() {
        ProjectModule emitter = ProjectModule.of("backends/emitter-coreml");
        for (JavaClass c : classes) {
            if (!emitter.equals(moduleOf.get(c.getName()))) continue;
            c.getDirectDependenciesFromSelf().forEach(d -> {
                ProjectModule to = moduleOf.get(d.getTargetClass().getBaseComponentType().getName());
                if (to != null && !to.equals(emitter) && !to.isSpi()) {
                    fail(c.getName() + " uses " + d.getTargetClass().getName() + " of " + to.folder() + ": emitter-coreml may use spi only");
                }
            });
        }
    }

    @Test
    void everyListedModuleIsInALayerFolder() {
        assertTrue(modules.size() >= 10, "the root pom lists the modules: " + modules);
        for (ProjectModule m : modules) assertTrue(Files.isDirectory(ROOT.resolve(m.folder())), m.folder() + " is a folder");
        assertTrue(moduleOf.size() > 300, "main classes were read from target/classes: " + moduleOf.size());
    }

    /** A deliberately forbidden import: a class placed in emitter-coreml that uses the reference runtime. */
    @Test
    void aForbiddenImportFailsTheCheck() {
        JavaClasses sample = new ClassFileImporter().importClasses(ForbiddenImportSample.class);
        Map<String, ProjectModule> placed = new HashMap<>(moduleOf);
        placed.put(ForbiddenImportSample.class.getName(), ProjectModule.of("backends/emitter-coreml"));
        List<String> violations = LayerCheck.violations(sample, placed);
        assertEquals(1, violations.size(), violations.toString());
        String v = violations.get(0);
        assertTrue(v.startsWith("backends/emitter-coreml: " + ForbiddenImportSample.class.getName() + " uses dev.htdemucs.runtime.reference.ReferenceRuntime of backends/runtime-reference"), v);
        assertTrue(v.endsWith("(a backend uses core only, never another backend)"), v);

        placed.put(ForbiddenImportSample.class.getName(), ProjectModule.of("app/cli"));
        assertTrue(LayerCheck.violations(sample, placed).isEmpty(), "the app layer may use a backend");
    }

    @Test
    void pomDependenciesAreReadWithTheirScope(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path pom = dir.resolve("pom.xml");
        Files.writeString(pom, """
                <project><parent><artifactId>htdemucs-coreml</artifactId></parent><dependencies>
                  <dependency><groupId>dev.htdemucs</groupId><artifactId>spi</artifactId></dependency>
                  <dependency>
                    <groupId>dev.htdemucs</groupId><artifactId>runtime-reference</artifactId><scope>test</scope>
                  </dependency>
                  <dependency><groupId>com.google.protobuf</groupId><artifactId>protobuf-java</artifactId></dependency>
                </dependencies></project>
                """);
        assertEquals(List.of(new PomDependency("spi", "compile"), new PomDependency("runtime-reference", "test")), PomDependency.in(pom));
    }

    @Test
    void theRuleItself() {
        ProjectModule spi = ProjectModule.of("core/spi"), passes = ProjectModule.of("core/passes");
        ProjectModule coreml = ProjectModule.of("backends/emitter-coreml"), onnx = ProjectModule.of("backends/backend-onnx");
        ProjectModule cli = ProjectModule.of("app/cli"), fixtures = ProjectModule.of("testing/fixtures");
        assertFalse(spi.mayUse(passes));
        assertTrue(passes.mayUse(spi));
        assertTrue(coreml.mayUse(spi));
        assertFalse(coreml.mayUse(onnx));
        assertFalse(coreml.mayUse(cli));
        assertTrue(cli.mayUse(onnx));
        assertFalse(cli.mayUse(fixtures), "product code never uses test data");
        assertFalse(passes.mayUse(coreml));
    }
}
