package dev.htdemucs.precision;

import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;

/**
 * Every op in fp16 (coremltools' compute_precision=FLOAT16), except ops whose constants would overflow
 * fp16 (|x| > 65504) and ops computed from constants alone ({@link ConstantSubgraph}), which stay fp32.
 * Model inputs and outputs stay fp32.
 */
public final class Fp16Selector implements PrecisionSelector {
    @Override public String name() { return "fp16"; }
    @Override public String description() { return "every op computes in fp16 (half the size); ops with constants beyond the fp16 range, or computed from constants alone, stay fp32"; }

    @Override public PrecisionPlan select(LoadedModel model, Options options) {
        return PlanBuilder.build(model.graph(), n -> true);
    }
}
