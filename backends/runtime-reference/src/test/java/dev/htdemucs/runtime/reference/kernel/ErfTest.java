package dev.htdemucs.runtime.reference.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** erf/erfc against values from a correctly rounded libm (Python's math.erf / math.erfc). */
class ErfTest {
    /** Relative tolerances, 6 orders of magnitude below float resolution; measured over [0, 12]: 3.0e-15 and 1.9e-14. */
    private static final double ERF_RELATIVE = 1e-14;
    private static final double ERFC_RELATIVE = 5e-14;

    private static final double[][] ERF = {
            {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {1.5, 0.9661051464753108}, {2, 0.9953222650189527}, {2.5, 0.999593047982555},
            {3, 0.9999779095030014}, {3.5, 0.9999992569016276}, {4, 0.9999999845827421}, {6, 1.0}};
    private static final double[][] ERFC = {
            {0.5, 0.4795001221869535}, {1, 0.15729920705028513}, {1.5, 0.033894853524689274},
            {2, 0.004677734981047265}, {2.5, 0.0004069520174449589}, {3, 2.2090496998585438e-05},
            {3.5, 7.430983723414128e-07}, {4, 1.541725790028002e-08}, {5, 1.5374597944280351e-12},
            {6, 2.1519736712498916e-17}, {8, 1.1224297172982928e-29}, {11, 1.4408661379436945e-54},
            {15, 7.212994172451206e-100}};

    @Test void erfSpotValuesAndOddSymmetry() {
        for (double[] p : ERF) {
            assertEquals(p[1], Erf.erf(p[0]), ERF_RELATIVE * p[1], "erf(" + p[0] + ")");
            assertEquals(-p[1], Erf.erf(-p[0]), ERF_RELATIVE * p[1], "erf(-" + p[0] + ")");
        }
        assertEquals(0.0, Erf.erf(0.0), 0.0);
        assertEquals(1.0, Erf.erf(40.0), 0.0);
    }

    @Test void erfcSpotValuesIncludingTheTail() {
        for (double[] p : ERFC) {
            assertEquals(p[1], Erf.erfc(p[0]), ERFC_RELATIVE * p[1], "erfc(" + p[0] + ")");
            assertEquals(2 - p[1], Erf.erfc(-p[0]), ERFC_RELATIVE * 2, "erfc(-" + p[0] + ")");
        }
    }

    @Test void tablesMatchTheExactDefinitionEverywhere() {
        // 20 001 points over the tabulated range [0, 10], interval edges included
        for (int i = 0; i <= 20000; i++) {
            double z = 10.0 * i / 20000;
            double exact = Erf.referenceErfcx(z) * Math.exp(-z * z);
            assertEquals(exact, Erf.erfc(z), ERFC_RELATIVE * exact, "erfc(" + z + ")");
        }
    }

    @Test void fastExpMatchesMathExp() {
        java.util.Random r = new java.util.Random(2);
        for (int i = 0; i < 100000; i++) {
            double x = (r.nextDouble() - 0.5) * 1400;
            double e = Math.exp(x);
            assertEquals(e, Exp.exp(x), 1e-15 * e, "exp(" + x + ")");
        }
        assertEquals(0.0, Exp.exp(-800), 0.0);
        assertEquals(Double.POSITIVE_INFINITY, Exp.exp(710), 0.0);
        assertEquals(Math.exp(-720), Exp.exp(-720), 0.0, "subnormal results fall back to Math.exp");
    }

    @Test void geluIsXTimesNormalCdf() {
        assertEquals(0.8413447460685429, GeluKernel.gelu(1), ERF_RELATIVE);
        assertEquals(-0.15865525393145707, GeluKernel.gelu(-1), ERFC_RELATIVE);
        assertEquals(2.99595030590511, GeluKernel.gelu(3), 3 * ERF_RELATIVE);
        assertEquals(-1.4332578593959731e-06, GeluKernel.gelu(-5), 1.5e-6 * ERFC_RELATIVE);
    }
}
