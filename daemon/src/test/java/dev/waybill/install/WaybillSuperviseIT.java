package dev.waybill.install;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/waybill-supervise, the daemon's keeper where systemd does not run (with stand-ins for
 * the daemon), and lib.sh's stop_supervised, which stops it.
 */
class WaybillSuperviseIT {

    private static final Path SUPERVISE = Path.of("..", "packaging", "waybill-supervise").toAbsolutePath().normalize();
    private static final Path LIB = SUPERVISE.resolveSibling("lib.sh");

    /** Regression: the log took all the daemon wrote, for as long as it ran, and filled the disk. */
    @Test
    void chattyDaemon_logIsRotatedAtItsLimit_keepingThreeGenerations(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("waybill.log");
        Path pidFile = dir.resolve("supervise.pid");
        // About 40 kB a second: a 10 kB limit is passed a few times a second.
        ProcessBuilder pb = new ProcessBuilder("bash", SUPERVISE.toString(), pidFile.toString(),
                dir.resolve("waybill.pid").toString(), log.toString(), "sh", "-c",
                "line=$(printf '%0200d' 0); while :; do echo \"$line\"; sleep 0.005; done");
        pb.environment().put("WAYBILL_LOG_MAX_BYTES", "10000");
        Process supervisor = pb.redirectErrorStream(true).start();
        List<ProcessHandle> started = List.of();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && !Files.exists(dir.resolve("waybill.log.3"))) {
                Thread.sleep(100);
            }
            Thread.sleep(2500); // more rotations: still three older files, each about the limit
            for (Path p : List.of(log, dir.resolve("waybill.log.1"), dir.resolve("waybill.log.2"),
                    dir.resolve("waybill.log.3"))) {
                assertTrue(Files.exists(p), p + " exists");
                long size = Files.size(p);
                // The limit plus what a second between two checks adds.
                assertTrue(size < 10_000 + 100_000, p + " holds " + size + " bytes");
            }
            assertFalse(Files.exists(dir.resolve("waybill.log.4")), "a fourth older file");
            assertTrue(Files.readString(dir.resolve("waybill.log.1")).contains("earlier lines are in"),
                    "the rotation is noted");
            started = supervisor.descendants().toList();
        } finally {
            supervisor.destroy(); // SIGTERM: it stops the stand-in and ends
            assertTrue(supervisor.waitFor(30, TimeUnit.SECONDS), "the supervisor ended");
        }
        assertFalse(Files.exists(pidFile), "its PID file removed");
        Thread.sleep(1500); // a last sleep of a second may outlive it
        assertTrue(started.stream().noneMatch(InstallIT::running), "left running: " + started);
    }

    /**
     * Regression: stopping waited for the supervisor's PID to be free, then killed whatever held
     * it after 30 s, also a process that had been given the number once the supervisor was gone.
     */
    @Test
    void stopSupervised_pidTakenByAnotherProcess_leavesItAlone(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        Path pidDir = Files.createDirectories(root.resolve("var/run/waybill-supervise"));
        // A supervisor in name that, told to stop, becomes another program under the same PID.
        Process stand = new ProcessBuilder("bash", "-c", "trap 'exec sleep 120' TERM; while :; do sleep 0.1; done",
                "waybill-supervise").start();
        try {
            Files.writeString(pidDir.resolve("supervise.pid"), stand.pid() + "\n");
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$1\" && stop_supervised", "lib",
                    LIB.toString()).redirectErrorStream(true);
            pb.environment().put("WAYBILL_ROOT", root.toString());
            long start = System.nanoTime();
            Process stop = pb.start();
            String out = new String(stop.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(stop.waitFor(60, TimeUnit.SECONDS), out);
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "waited for it: " + out);
            assertTrue(stand.isAlive(), "killed the process that had the number: " + out);
            assertFalse(Files.exists(pidDir.resolve("supervise.pid")), out);
        } finally {
            stand.destroyForcibly();
        }
    }
}
