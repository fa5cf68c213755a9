package dev.htdemucs.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds every use of a class of another module that the layer rule forbids: imports, fields, calls,
 * signatures and annotations alike (what the compiled classes reference, not what a pom declares).
 */
final class LayerCheck {
    private LayerCheck() {}

    /**
     * @param classes   the classes to check
     * @param moduleOf  the module of every project class, by fully qualified name
     * @return one line per forbidden (class, used class) pair, sorted
     */
    static List<String> violations(JavaClasses classes, Map<String, ProjectModule> moduleOf) {
        TreeSet<String> found = new TreeSet<>();
        for (JavaClass c : classes) {
            ProjectModule from = moduleOf.get(c.getName());
            if (from == null) continue;
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                ProjectModule to = moduleOf.get(d.getTargetClass().getBaseComponentType().getName());
                if (to == null || from.mayUse(to)) continue;
                found.add(from.folder() + ": " + c.getName() + " uses " + d.getTargetClass().getBaseComponentType().getName()
                        + " of " + to.folder() + " (" + from.rule() + ")");
            }
        }
        return new ArrayList<>(found);
    }
}
