package dev.htdemucs.pipeline;

import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.List;
import java.util.Map;

/**
 * What {@link ConversionPipeline#run} did.
 *
 * @param model     the model as emitted (after the passes)
 * @param precision the selector's name
 * @param plan      the precision plan the emitter wrote
 * @param passes    the passes that ran, in order (the emitter's required ones included)
 * @param emitted   what the emitter wrote
 * @param seconds   wall time per step; {@link ConversionListener.Stage#PASS} is all passes together
 */
public record ConversionResult(LoadedModel model, String precision, PrecisionPlan plan, List<String> passes,
                               Emitter.EmitResult emitted, Map<ConversionListener.Stage, Double> seconds) {
    public ConversionResult {
        passes = List.copyOf(passes);
        seconds = Map.copyOf(seconds);
    }

    /** The wall time of all steps. */
    public double totalSeconds() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
