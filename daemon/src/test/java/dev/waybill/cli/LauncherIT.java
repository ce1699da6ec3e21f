package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** packaging/waybill, the launcher users type, runs the built jar with the arguments it is given. */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("..", "packaging", "waybill").toAbsolutePath().normalize();

    private static Process start(Path dir, String jar, Map<String, String> env, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("WAYBILL_JAR", jar);
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String run(Path dir, String jar, int expectedStatus, String... args)
            throws IOException, InterruptedException {
        return run(dir, jar, Map.of(), expectedStatus, args);
    }

    private static String run(Path dir, String jar, Map<String, String> env, int expectedStatus, String... args)
            throws IOException, InterruptedException {
        Process p = start(dir, jar, env, args);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        assertEquals(expectedStatus, p.exitValue(), out);
        return out;
    }

    @Test
    void launcher_runsTheJarWithItsArguments(@TempDir Path dir) throws Exception {
        String jar = System.getProperty("waybill.jar");
        Path log = dir.resolve("mainlog");
        Files.writeString(log, ParseCommandTest.LOG);
        String out = run(dir, jar, 0, "parse", "--stats", log.toString());
        assertTrue(out.contains("\"lines\":15"), out);
        assertTrue(run(dir, jar, 0, "--help").contains("parse FILE..."));
        assertTrue(run(dir, jar, 2, "frobnicate").contains("unknown command 'frobnicate'"));
    }

    /**
     * Java reads the arguments in the locale's charset, and under LANG=C (a cron job) a search
     * for {@code --text Café} would look for "Caf" and two replacement characters.
     */
    @Test
    void launcher_underTheCLocale_readsTheArgumentsAsUtf8(@TempDir Path dir) throws Exception {
        String out = run(dir, System.getProperty("waybill.jar"), Map.of("LC_ALL", "C", "LANG", "C"), 2,
                "search", "--caf\u00e9", "x");
        assertTrue(out.contains("unknown argument '--caf\u00e9'"), out);
    }

    /**
     * The JVM each command gets: the quick JIT for one-shot commands, the full JIT for the daemon,
     * the parallel collector on two threads for an import (whose pauses stop its pipeline), the
     * serial one elsewhere, and a capped heap where memory must not grow with the log.
     */
    @Test
    void launcher_givesEachCommandItsJvmSettings(@TempDir Path dir) throws Exception {
        String jar = System.getProperty("waybill.jar");
        Map<String, String> flags = Map.of("WAYBILL_JAVA_OPTS", "-XX:+PrintCommandLineFlags");
        String importing = run(dir, jar, flags, 2, "import");
        assertTrue(importing.contains("-XX:+UseParallelGC") && importing.contains("-XX:ParallelGCThreads=2")
                && importing.contains("-XX:TieredStopAtLevel=1") && importing.contains("-XX:MaxHeapSize=193986560"),
                importing);
        String parsing = run(dir, jar, flags, 2, "parse", "--frobnicate");
        assertTrue(parsing.contains("-XX:+UseSerialGC") && parsing.contains("-XX:TieredStopAtLevel=1")
                && !parsing.contains("UseParallelGC") && !parsing.contains("MaxHeapSize=209715200"), parsing);
        String daemon = run(dir, jar, flags, 2, "run", "--frobnicate");
        assertTrue(daemon.contains("-XX:+UseSerialGC") && !daemon.contains("TieredStopAtLevel")
                && daemon.contains("-XX:MaxHeapSize=209715200"), daemon);
    }

    @Test
    void launcher_withoutAJar_saysHowToGetOne(@TempDir Path dir) throws Exception {
        String out = run(dir, dir.resolve("missing.jar").toString(), 1, "--help");
        assertTrue(out.contains("cannot find waybill.jar"), out);
    }
}
