package dev.htdemucs.report;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetricFormatTest {

    @Test
    void nonFiniteValuesPrintAsInfAndNan() {
        for (var format : new java.util.function.DoubleFunction<?>[]{MetricFormat::decibels,
                MetricFormat::amplitude, MetricFormat::seconds, MetricFormat::general}) {
            assertEquals("inf", format.apply(Double.POSITIVE_INFINITY));
            assertEquals("-inf", format.apply(Double.NEGATIVE_INFINITY));
            assertEquals("nan", format.apply(Double.NaN));
        }
    }

    @Test
    void finiteValuesUseFixedPatterns() {
        assertEquals("84.21", MetricFormat.decibels(84.2149));
        assertEquals("-3.00", MetricFormat.decibels(-3));
        assertEquals("3.120e-06", MetricFormat.amplitude(3.12e-6));
        assertEquals("0.000e+00", MetricFormat.amplitude(0));
        assertEquals("1.235", MetricFormat.seconds(1.2345678));
        assertEquals("0", MetricFormat.general(0));
        assertEquals("41.15", MetricFormat.general(41.1499));
        assertEquals("1.000e-04", MetricFormat.general(1e-4));
        assertEquals("2.500e+06", MetricFormat.general(2.5e6));
    }

    @Test
    void formattingIgnoresTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY); // decimal comma
            assertEquals("84.21", MetricFormat.decibels(84.2149));
            assertEquals("3.120e-06", MetricFormat.amplitude(3.12e-6));
        } finally {
            Locale.setDefault(saved);
        }
    }
}
