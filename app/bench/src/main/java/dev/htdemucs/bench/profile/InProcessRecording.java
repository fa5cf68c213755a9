package dev.htdemucs.bench.profile;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * A JFR recording of this JVM with the JDK's {@code profile} settings (execution samples every 10 ms),
 * written to a file when closed; the in-process equivalent of {@code jcmd <pid> JFR.start settings=profile}.
 */
public final class InProcessRecording implements AutoCloseable {
    private final Recording recording;
    private final Path file;

    private InProcessRecording(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    public static InProcessRecording start(Path file) throws IOException {
        Configuration profile;
        try {
            profile = Configuration.getConfiguration("profile");
        } catch (ParseException e) {
            throw new IOException("the JDK's JFR 'profile' settings cannot be read: " + e.getMessage(), e);
        }
        Recording recording = new Recording(profile);
        recording.setName("htdemucs-bench");
        recording.start();
        return new InProcessRecording(recording, file);
    }

    public Path file() { return file; }

    /** Stops recording and writes the file. */
    @Override public void close() throws IOException {
        try {
            recording.stop();
            recording.dump(file);
        } finally {
            recording.close();
        }
    }
}
