package dev.htdemucs.fuzz;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.PluginException;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.util.ConcurrentModificationException;
import java.util.List;

/**
 * The contract every reader is fuzzed against: malformed input ends in the reader's documented checked
 * exception, with a message, and never in a RuntimeException or Error (those escape the fuzz target and
 * are Jazzer findings). A documented exception that wraps the failure of code that did not expect the
 * malformation also counts as a finding; the wrapped failure is rethrown so Jazzer reports its stack.
 */
final class ReaderContract {
    /** Runtime exceptions that always mean a bug where they are thrown, even when a caller wraps them. */
    private static final List<Class<? extends RuntimeException>> BUG_TYPES = List.of(NullPointerException.class,
            IndexOutOfBoundsException.class, ClassCastException.class, NegativeArraySizeException.class,
            ArrayStoreException.class, ConcurrentModificationException.class, UnsupportedOperationException.class,
            BufferUnderflowException.class, BufferOverflowException.class);

    private ReaderContract() {
    }

    /**
     * For readers whose checked exception is the whole diagnosis (checkpoint, WAV): it may wrap checked
     * causes (a DataFormatException), never a RuntimeException or Error.
     */
    static void requireOwnDiagnosis(Exception rejection) {
        Throwable cause = rejection.getCause();
        if (cause instanceof RuntimeException unanticipated) {
            throw unanticipated;
        }
        if (cause instanceof Error unanticipated) {
            throw unanticipated;
        }
        requireMessage(rejection);
    }

    /**
     * For model loaders, which deliberately turn their own unchecked failures (IR validation, conversion
     * errors) into a {@link PluginException}: no Error and no bug-type exception anywhere in the causes.
     */
    static void requireDeliberateRejection(PluginException rejection) {
        for (Throwable c = rejection.getCause(); c != null; c = c.getCause()) {
            if (c instanceof Error unanticipated) {
                throw unanticipated;
            }
            for (Class<? extends RuntimeException> bug : BUG_TYPES) {
                if (bug.isInstance(c)) {
                    throw (RuntimeException) c;
                }
            }
        }
        requireMessage(rejection);
    }

    /**
     * What a loaded graph must satisfy whatever the file said: every type's size is computable without
     * overflow, and every constant holds exactly the bytes its type needs.
     */
    static void requireSaneGraph(Graph graph) {
        for (Value in : graph.inputs()) {
            exactByteSize(in.type(), in.name());
        }
        for (Node node : graph.nodes()) {
            for (Value out : node.outputs()) {
                long bytes = exactByteSize(out.type(), out.name());
                if (out.isConstant()) {
                    Tensor t = out.constantValue();
                    if (t.data().remaining() != bytes) {
                        throw new AssertionError("constant " + out + " holds " + t.data().remaining() + " bytes, its type needs " + bytes);
                    }
                }
            }
        }
    }

    private static long exactByteSize(TensorType type, String name) {
        long n = type.dtype().byteSize();
        for (int d : type.shape()) {
            if (d < 0) {
                throw new AssertionError("value " + name + " has a negative dimension: " + type);
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new AssertionError("the size of value " + name + " " + type + " overflows a long, yet the loader accepted it", e);
            }
        }
        return n;
    }

    private static void requireMessage(Exception rejection) {
        String message = rejection.getMessage();
        if (message == null || message.isBlank()) {
            throw new AssertionError("rejection without a message: " + rejection.getClass().getName(), rejection);
        }
    }
}
