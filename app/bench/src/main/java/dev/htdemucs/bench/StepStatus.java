package dev.htdemucs.bench;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What became of one measurement: its figures are only meaningful when {@link #OK}. */
public enum StepStatus {
    OK, FAILED, SKIPPED;

    @JsonValue public String label() { return name().toLowerCase(Locale.ROOT); }
}
