package dev.htdemucs.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * A stated acceptance bound and whether the measured value keeps it, e.g.
 * {@code Bound.atMost("fp32 max abs ≤ 1e-4 × peak", 3.1e-6, 1e-4)}. {@code validate} exits 1 when any bound
 * of its report does not hold.
 *
 * <p>{@link #holds()} is derived, never stored, so a report cannot claim a pass its numbers contradict. A NaN
 * measurement holds no bound.
 *
 * @param description what is bounded, in words a user understands (shown verbatim)
 * @param measured    the worst value measured over everything the bound covers
 * @param relation    whether {@code measured} must stay at or below, or at or above, {@code limit}
 * @param limit       the stated limit
 */
@JsonIgnoreProperties(value = "holds", allowGetters = true)
public record Bound(String description, double measured, Relation relation, double limit) {

    /** Direction of a bound. */
    public enum Relation {
        /** measured ≤ limit, e.g. an error. */
        AT_MOST("<="),
        /** measured ≥ limit, e.g. an SNR. */
        AT_LEAST(">=");

        private final String symbol;

        Relation(String symbol) {
            this.symbol = symbol;
        }

        /** ASCII operator ({@code <=} or {@code >=}) so the console shows it on any terminal. */
        public String symbol() {
            return symbol;
        }
    }

    public Bound {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(relation, "relation");
    }

    public static Bound atMost(String description, double measured, double limit) {
        return new Bound(description, measured, Relation.AT_MOST, limit);
    }

    public static Bound atLeast(String description, double measured, double limit) {
        return new Bound(description, measured, Relation.AT_LEAST, limit);
    }

    @JsonProperty("holds")
    public boolean holds() {
        // Comparisons with NaN are false, so NaN fails either way.
        return relation == Relation.AT_MOST ? measured <= limit : measured >= limit;
    }
}
