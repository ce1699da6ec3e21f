package dev.waybill.install;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** packaging/waybill-supervise, the daemon's keeper where systemd does not run, with a chatty stand-in daemon. */
class WaybillSuperviseIT {

    private static final Path SUPERVISE = Path.of("..", "packaging", "waybill-supervise").toAbsolutePath().normalize();

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
        assertTrue(started.stream().noneMatch(WaybillSuperviseIT::running), "left running: " + started);
    }

    /** Alive and not a zombie (one the supervisor left to init, which may reap it late). */
    private static boolean running(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return p.isAlive() && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
