package dev.htdemucs.pytorch.checkpoint;

/**
 * A Python global (class or function) named by a pickle, e.g. {@code demucs.htdemucs.HTDemucs}. It is a
 * name only: it is never imported, resolved or called. Names the reader must refuse (see
 * {@link GlobalPolicy}) never become a {@code ClassRef}.
 */
public record ClassRef(String module, String name) {

    public ClassRef {
        if (module == null || module.isEmpty() || name == null || name.isEmpty()) {
            throw new IllegalArgumentException("class reference needs a module and a name, got '"
                    + module + "' '" + name + "'");
        }
    }

    /** {@code module.name}, the spelling Python uses in {@code klass.__module__ + '.' + klass.__qualname__}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
