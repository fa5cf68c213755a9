package dev.htdemucs.pipeline;

/** Told when a {@link ConversionPipeline} starts each step (e.g. to print progress). */
@FunctionalInterface
public interface ConversionListener {
    ConversionListener NONE = (stage, subject) -> {};

    /** The steps of a conversion, in order. */
    enum Stage {
        LOAD("loading"), PASS("pass"), PRECISION("precision"), EMIT("writing");

        private final String verb;

        Stage(String verb) { this.verb = verb; }

        /** What a progress line says: loading, pass, precision, writing. */
        public String verb() { return verb; }

        /** 1 to 4. */
        public int number() { return ordinal() + 1; }
    }

    /**
     * @param subject what the step works on: the model file (LOAD), the pass name (PASS, once per pass), the
     *                selector name (PRECISION), the output (EMIT)
     */
    void stage(Stage stage, String subject);
}
