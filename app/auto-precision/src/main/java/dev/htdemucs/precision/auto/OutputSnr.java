package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Tensor;

import java.util.Locale;
import java.util.Map;

/**
 * The accuracy of a run against the fp32 reference run: the signal-to-noise ratio
 * {@code 10·log10(Σ ref² / Σ (ref − test)²)} of every graph output and, when an output is split by source
 * ({@code [1, S, …]} with S the model's sources), of every source of it; {@link #worstDb} is the lowest.
 */
record OutputSnr(double worstDb, String worst) {

    /**
     * @param sources the model's source count; outputs whose axis 1 has this size are also measured per
     *                source (0: whole outputs only)
     */
    static OutputSnr measure(Map<String, Tensor> reference, Map<String, Tensor> test, int sources) {
        double worstDb = Double.POSITIVE_INFINITY;
        String worst = "-";
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            Tensor other = test.get(e.getKey());
            if (other == null) throw new IllegalStateException("run has no output '" + e.getKey() + "' (it has " + test.keySet() + ")");
            float[] r = e.getValue().toFloatArray(), t = other.toFloatArray();
            if (r.length != t.length) {
                throw new IllegalStateException("output '" + e.getKey() + "' is " + other.type() + ", the reference is " + e.getValue().type());
            }
            int[] shape = e.getValue().shape();
            boolean perSource = sources > 1 && shape.length >= 2 && shape[0] == 1 && shape[1] == sources;
            int parts = perSource ? sources : 1;
            int size = r.length / parts;
            for (int s = 0; s < parts; s++) {
                double db = snrDb(r, t, s * size, size);
                if (db < worstDb || Double.isNaN(db)) {
                    worstDb = db;
                    worst = perSource ? e.getKey() + "[source " + s + "]" : e.getKey();
                    if (Double.isNaN(db)) return new OutputSnr(db, worst);
                }
            }
        }
        return new OutputSnr(worstDb, worst);
    }

    static double snrDb(float[] reference, float[] test, int from, int count) {
        double signal = 0, noise = 0;
        for (int i = from; i < from + count; i++) {
            double r = reference[i], e = r - test[i];
            signal += r * r;
            noise += e * e;
        }
        if (Double.isNaN(signal) || Double.isNaN(noise)) return Double.NaN;
        if (noise == 0) return Double.POSITIVE_INFINITY;
        return 10 * Math.log10(signal / noise);
    }

    boolean reaches(double targetDb) { return worstDb >= targetDb; }

    @Override public String toString() { return String.format(Locale.ROOT, "%.2f dB (worst: %s)", worstDb, worst); }
}
