package dev.htdemucs.pipeline;

import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.PrecisionPlan;

/**
 * A model after the precision step, ready to emit.
 *
 * @param model     the graph the emitter writes: the plan realised as casts and fp16 ops
 * @param precision the name of the selector that chose the plan
 * @param plan      the selector's choice, fp16 or fp32 per node of the graph before the casts
 */
public record PlannedModel(LoadedModel model, String precision, PrecisionPlan plan) {}
