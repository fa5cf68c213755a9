package dev.htdemucs.precision;

import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;

/** Everything in fp32: the reference for accuracy; twice the size and slower on the Neural Engine. */
public final class Fp32Selector implements PrecisionSelector {
    @Override public String name() { return "fp32"; }
    @Override public String description() { return "every op computes in fp32 (largest, most accurate)"; }

    @Override public PrecisionPlan select(LoadedModel model, Options options) {
        return PrecisionPlan.uniform(Precision.FP32);
    }
}
