package dev.waybill.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What an external program printed and how it exited; {@link #run} starts one and waits. */
record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    /**
     * Runs {@code command} to completion. A program still running after {@code timeout} is
     * killed (it is our own child, by PID) and the call fails, so a hung client cannot hang the
     * build.
     */
    static CommandResult run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("waybill-e2e-", ".out");
        Path err = Files.createTempFile("waybill-e2e-", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("timed out after " + timeout + ": " + command
                        + "\n" + new String(Files.readAllBytes(out), StandardCharsets.UTF_8)
                        + "\n" + new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
            }
            return new CommandResult(List.copyOf(command), process.exitValue(),
                    new String(Files.readAllBytes(out), StandardCharsets.UTF_8), new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Command, status and both streams, for failure messages. */
    String describe() {
        return String.join(" ", command) + "\nexit status " + exitCode
                + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
