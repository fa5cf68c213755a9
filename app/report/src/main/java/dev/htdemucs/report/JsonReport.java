package dev.htdemucs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code validate --json}: a {@link ValidationReport} as JSON (UTF-8, indented), and back.
 *
 * <p><b>Non-finite numbers</b> are written as the JSON <em>strings</em> {@code "Infinity"}, {@code "-Infinity"}
 * and {@code "NaN"} (Jackson's {@link JsonWriteFeature#WRITE_NAN_AS_STRINGS}), not as bare tokens
 * ({@code ALLOW_NON_NUMERIC_NUMBERS}): the file stays standard JSON that every parser (browsers' JSON.parse,
 * jq, Python) accepts, and an SNR of {@code "Infinity"} (identical signals) reads unambiguously. Reading
 * turns the strings back into the doubles. Consumers must therefore accept a number or one of these three
 * strings wherever a metric appears.
 *
 * <p>Derived values ({@code passed} of the report, {@code holds} of each bound) are written for consumers
 * and ignored on reading: they are recomputed from the numbers.
 */
public final class JsonReport {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private JsonReport() {
    }

    public static String toJson(ValidationReport report) {
        try {
            return MAPPER.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write validation report of " + report.model() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    public static ValidationReport fromJson(String json) throws IOException {
        return MAPPER.readValue(json, ValidationReport.class);
    }

    public static void write(ValidationReport report, OutputStream out) throws IOException {
        MAPPER.writeValue(new NonClosingOutputStream(out), report);
    }

    /** Writes to a sibling temporary file first, so a crash never leaves a truncated report behind. */
    public static void write(ValidationReport report, Path file) throws IOException {
        ReportFiles.writeAtomically(file, toJson(report) + "\n");
    }

    public static ValidationReport read(InputStream in) throws IOException {
        return MAPPER.readValue(in, ValidationReport.class);
    }

    /** @throws IOException naming the file when it cannot be read or is not a validation report */
    public static ValidationReport read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        } catch (JsonProcessingException e) {
            throw new IOException("not a validation report: " + file + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Jackson closes the stream it writes to; callers own theirs. */
    private static final class NonClosingOutputStream extends java.io.FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
