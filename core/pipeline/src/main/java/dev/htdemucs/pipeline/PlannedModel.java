package dev.htdemucs.pipeline;

import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.PrecisionPlan;

/**
 * A model after the precision step, ready to emit.
 *
 * @param model     the model after the passes, as the selector saw it
 * @param precision the name of the selector that chose the plan
 * @param plan      the selector's choice, fp16 or fp32 per node of {@code model}
 */
public record PlannedModel(LoadedModel model, String precision, PrecisionPlan plan) {
    /** What the emitter writes: the plan realised in the graph as fp16 ops, casts and fp16 constants. */
    public LoadedModel realised() {
        return model.withGraph(PrecisionCasts.apply(model.graph(), plan));
    }
}
