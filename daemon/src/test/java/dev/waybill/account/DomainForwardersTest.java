package dev.waybill.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DomainForwardersTest {

    @Test
    void splitTargets_failTextKeepsItsCommas() {
        // As exim -bt reports it: "f2@ex.test is undeliverable: bye, b@ex.test"
        assertEquals(List.of("a@ex.test", ":fail: bye, b@ex.test"), DomainForwarders.splitTargets("a@ex.test, :fail: bye, b@ex.test"));
        assertEquals(List.of(":defer: later, please"), DomainForwarders.splitTargets(":defer: later, please"));
    }

    @Test
    void splitTargets_quotedItemKeepsCommas() {
        assertEquals(List.of("|/bin/echo a, b", "x@ex.test"), DomainForwarders.splitTargets("\"|/bin/echo a, b\", x@ex.test"));
        assertEquals(List.of("a\"b"), DomainForwarders.splitTargets("\"a\\\"b\""));
    }

    @Test
    void splitTargets_quotedLocalPart_keepsItsQuotesAndDomain() {
        assertEquals(List.of("\"john, smith\"@ex.test", "x@ex.test"),
                DomainForwarders.splitTargets("\"john, smith\"@ex.test, x@ex.test"));
    }

    @Test
    void splitTargets_emptyItemsAndBlanks_areDropped() {
        assertEquals(List.of("a@x", "b@x"), DomainForwarders.splitTargets(" , a@x,, b@x , "));
        assertEquals(List.of(), DomainForwarders.splitTargets(""));
    }

    @Test
    void read_lsearchRules_firstLineWinsCommentsAndContinuations(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("example.com");
        Files.writeString(file, """
                # forwarders
                Sales@Example.com: bob@example.com,
                  ops@elsewhere.example
                sales@example.com: ignored@example.com
                spaced@example.com : x@example.com
                *: :fail: No Such User Here
                """);
        DomainForwarders f = DomainForwarders.read(file);
        assertEquals(List.of("bob@example.com", "ops@elsewhere.example"), f.exact("SALES@example.com"));
        assertEquals(List.of("x@example.com"), f.exact("spaced@example.com"));
        assertEquals(List.of(":fail: No Such User Here"), f.catchAll());
        assertNull(f.exact("nobody@example.com"));
        assertEquals(3, f.size());
    }

    @Test
    void read_missingFile_hasNoForwarders(@TempDir Path dir) throws IOException {
        assertEquals(0, DomainForwarders.read(dir.resolve("absent")).size());
    }

    @Test
    void read_hugeFile_isRefusedWithTheFileName(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.example");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(DomainForwarders.MAX_FILE_BYTES + 1); // sparse: costs no disk
        }
        IOException e = assertThrows(IOException.class, () -> DomainForwarders.read(file));
        assertTrue(e.getMessage().contains("huge.example"), e.getMessage());
    }

    /**
     * An account owns its domain's valiases file and may write to it while the daemon reads it:
     * what the size said before the read does not bound the read. A FIFO stands in for a file
     * that keeps growing.
     */
    @Test
    void read_fileGrowingPastTheLimitWhileRead_isRefused(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("growing.example");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            byte[] line = "someone@growing.example: elsewhere@remote.example\n".getBytes(StandardCharsets.US_ASCII);
            try (OutputStream out = Files.newOutputStream(fifo)) {
                for (long written = 0; written <= 2 * DomainForwarders.MAX_FILE_BYTES; written += line.length) {
                    out.write(line);
                }
            } catch (IOException e) {
                // the reader stopped reading: expected
            }
        });
        writer.start();
        IOException e = assertThrows(IOException.class, () -> DomainForwarders.read(fifo));
        assertTrue(e.getMessage().contains("growing.example"), e.getMessage());
        writer.join(10_000);
    }

    @Test
    void read_manyForwarders_areAllFound(@TempDir Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            sb.append("user").append(i).append("@big.example: target").append(i).append("@elsewhere.example\n");
        }
        Path file = dir.resolve("big.example");
        Files.writeString(file, sb);
        DomainForwarders f = DomainForwarders.read(file);
        assertEquals(List.of("target49999@elsewhere.example"), f.exact("user49999@big.example"));
    }

    @Test
    void forwarders_domainThatIsAPath_readsNothing(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/secret"), "x@y: leaked@example.com\n*: leaked@example.com\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals(0, a.forwarders("../secret").size());
        assertEquals(0, a.forwarders("..").size());
        assertEquals(0, a.forwarders("").size());
        assertTrue(a.forwarderTargets("x@../secret").isEmpty());
    }
}
