package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SampleLogCommandTest {

    record Run(int status, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.US_ASCII);
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--ids 20           | --ids",
        "--ids x            | --ids",
        "--lines 0          | --lines",
        "--lines many       | --lines",
        "--lines            | --lines",
        "--seed 1.5         | --seed",
        "--accounts 0       | --accounts",
        "--accounts 9999999 | --accounts",
        "--start yesterday  | --start",
        "--start=1960-01-01T00:00:00 | --start",
        "--bogus            | --bogus",
        "--out              | --out",
    })
    void invalidOption_oneLineNamingIt_exit2(String args, String option) {
        Run r = run(("sample-log " + args).trim().split(" "));
        assertEquals(2, r.status(), r.err());
        assertEquals(0, r.out().length, "nothing may be written on a usage error");
        assertTrue(r.err().startsWith("waybill sample-log: "), r.err());
        assertTrue(r.err().contains(option), "the error does not name " + option + ": " + r.err());
        assertEquals(1, r.err().lines().count(), "not one line: " + r.err());
    }

    @Test
    void help_printsUsage_exit0() {
        Run r = run("sample-log", "--help");
        assertEquals(0, r.status());
        for (String option : new String[] {"--lines", "--ids", "--seed", "--start", "--accounts", "--out",
            "--cpanel-root"}) {
            assertTrue(r.outText().contains(option), "usage lacks " + option);
        }
    }

    @Test
    void options_shapeTheLog() {
        Run r = run("sample-log", "--lines", "300", "--ids", "16", "--seed", "9", "--start", "2024-02-29 23:59:00",
                "--accounts", "5");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.outText().split("\n");
        assertTrue(lines.length >= 300 && lines.length < 500, lines.length + " lines");
        assertTrue(lines[0].startsWith("2024-02-29 23:59:00 "), lines[0]);
        assertTrue(r.outText().contains("\n2024-03-01 "), "the log never reaches the next day");
        assertTrue(r.outText().matches("(?s).* [0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2} <= .*"), "no 16-character id");
        // --opt=value works as well as --opt value, and gives the same bytes.
        Run same = run("sample-log", "--lines=300", "--ids=16", "--seed=9", "--start=2024-02-29 23:59:00",
                "--accounts=5");
        assertArrayEquals(r.out(), same.out());
    }

    @Test
    void outAndCpanelRoot_writeFiles(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("x.log");
        Path root = dir.resolve("root");
        Run r = run("sample-log", "--lines", "2000", "--out", log.toString(), "--cpanel-root", root.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(0, r.out().length, "--out must keep standard output empty");
        assertArrayEquals(run("sample-log", "--lines", "2000").out(), Files.readAllBytes(log));
        for (String f : new String[] {"etc/userdomains", "etc/trueuserdomains", "etc/domainusers",
            "etc/trueuserowners", "etc/localdomains"}) {
            assertTrue(Files.size(root.resolve(f)) > 0, f);
        }
        try (var users = Files.list(root.resolve("var/cpanel/users"))) {
            assertEquals(200, users.count(), "one var/cpanel/users file per default account");
        }
        try (var valiases = Files.list(root.resolve("etc/valiases"))) {
            assertTrue(valiases.findAny().isPresent(), "no etc/valiases files");
        }
    }

    @Test
    void unwritableOut_exit1() {
        Run r = run("sample-log", "--lines", "10", "--out", "/nonexistent-dir/x.log");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("waybill sample-log: "), r.err());
    }

    /** A full disk under {@code sample-log > big.log} is a failure said on standard error, found at the first write. */
    @Test
    void sampleLog_outputThatCannotBeWritten_stopsAtOnce_andSaysSo() {
        FullDisk full = new FullDisk();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, Main.run(new String[] {"sample-log", "--lines", "200000"}, new PrintStream(full, true),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot write the output"), err.toString());
        assertEquals(1, full.writes(), "nothing more is generated after the first failed write");
    }
}
