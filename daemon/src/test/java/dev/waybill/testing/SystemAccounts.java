package dev.waybill.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real system users for the tests that prove scoping with real processes: create them, run a
 * program as one of them (its uid and gid, no other groups), remove them. The tests run as root,
 * as CI does, and fail — never skip — where they cannot: what they check is the product's security.
 */
public final class SystemAccounts {

    private SystemAccounts() {
    }

    /** Fails the test unless it runs as root and the tools it needs are there. */
    public static void requireRoot(String why, String... tools) throws Exception {
        if (!"0".equals(run(List.of("id", "-u")).strip())) {
            fail("this test must run as root (CI does): " + why);
        }
        List<String> all = new ArrayList<>(List.of("/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv"));
        all.addAll(List.of(tools));
        for (String tool : all) {
            if (!Files.isExecutable(Path.of(tool))) {
                fail(tool + " is missing: run .ci/install-test-deps");
            }
        }
    }

    /** Creates system user {@code name} (no home, no shell), replacing one left by an interrupted run. */
    public static void create(String name) throws Exception {
        remove(name);
        run(List.of("/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name));
    }

    /** Removes system user {@code name}; nothing if there is none. */
    public static void remove(String name) throws Exception {
        Process p = new ProcessBuilder("/usr/sbin/userdel", name).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS); // exit 6: no such user, which is fine
    }

    /** Removes the system users a test made, then its directory (null: none), as root. */
    public static void removeAll(Path dir, String... names) throws Exception {
        for (String name : names) {
            remove(name);
        }
        if (dir != null) {
            run(List.of("rm", "-rf", dir.toString()));
        }
    }

    public static int uid(String name) throws Exception {
        return Integer.parseInt(run(List.of("id", "-u", name)).strip());
    }

    public static int gid(String name) throws Exception {
        return Integer.parseInt(run(List.of("id", "-g", name)).strip());
    }

    /**
     * A process running {@code command} as {@code name}, with an empty environment but for PATH
     * and with / as its directory; the caller adds what the program needs. The program must be
     * one that user may execute ({@code /usr/bin/python3}, {@code /usr/bin/perl}, the JDK).
     */
    public static ProcessBuilder as(String name, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid(name), "--regid=" + gid(name),
                "--clear-groups"));
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.directory(Path.of("/").toFile());
        return pb;
    }

    /** Runs {@code command}; its output, or a test failure naming the command and its exit status. */
    public static String run(List<String> command) throws Exception {
        return run(new ProcessBuilder(new ArrayList<>(command)));
    }

    /** Runs {@code pb} (output and errors together); its output, or a test failure. */
    public static String run(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(pb.command() + " did not finish");
        }
        if (p.exitValue() != 0) {
            fail(pb.command() + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
