package dev.waybill.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mailbox file, {@code <home>/etc/<domain>/passwd}, lies in the account's own home: the account
 * may make it anything, a FIFO, a link to a device or into another account. A trace of one of its
 * addresses (which the account itself, root or its reseller may ask for) must answer at once, read
 * a bounded amount, and show nothing of a file outside that home.
 */
class TraceAccountFilesTest {

    private static final Predicate<String> EXAMPLECO = Set.of("exampleco")::contains;
    private static TestDnsServer dns;

    @TempDir
    Path root;
    private AddressTracer tracer;
    private Path mailboxes;

    @BeforeAll
    static void startDns() throws Exception {
        dns = TraceServer.dns();
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        TraceServer.write(root);
        tracer = new AddressTracer(root, dns.resolver());
        mailboxes = root.resolve("home/exampleco/etc/example.com/passwd");
        Files.delete(mailboxes);
    }

    /** Lets a trace stuck opening the FIFO go, so that no thread stays blocked after the test. */
    @AfterEach
    void releaseFifo() throws Exception {
        if (Files.exists(mailboxes, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(mailboxes)
                && !Files.isRegularFile(mailboxes)) {
            // read and write: Linux opens a FIFO so without waiting, and a reader waiting is let go
            FileChannel.open(mailboxes, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
        }
    }

    @Test
    void trace_wideForwarderOverABigMailboxFile_readsTheFileOnce() throws Exception {
        // the account fills its own mailbox file close to the limit, and forwards one address to
        // hundreds of its addresses that have no mailbox
        StringBuilder boxes = new StringBuilder("alice:x:1001:1001::/home/exampleco/mail/example.com/alice:\n");
        while (boxes.length() < CpanelMailFiles.MAX_FILE_BYTES / 2) {
            boxes.append("box").append(boxes.length()).append(":x:1001:1001::/home/exampleco/mail/example.com/b:\n");
        }
        Files.writeString(mailboxes, boxes);
        StringBuilder targets = new StringBuilder("wide@example.com: alice@example.com");
        for (int i = 0; i < AddressTracer.MAX_STEPS; i++) {
            targets.append(", missing").append(i).append("@example.com");
        }
        Path valiases = root.resolve("etc/valiases/example.com");
        Files.writeString(valiases, targets + "\n" + Files.readString(valiases));
        // read once: well under a second; read per target, several seconds
        TraceNode n = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> tracer.trace("wide@example.com", EXAMPLECO));
        assertEquals(TraceKind.MAILBOX, n.children().get(0).kind(), () -> TraceText.render(n));
    }

    @Test
    void trace_includeListThatIncludesItselfOverAndOver_readsItOnce() throws Exception {
        StringBuilder list = new StringBuilder();
        while (list.length() < CpanelMailFiles.MAX_INCLUDE_BYTES - 100) {
            list.append(":include:/home/exampleco/list.txt\n");
        }
        Files.writeString(root.resolve("home/exampleco/list.txt"), list);
        // read once: well under a second; read per line, several seconds
        TraceNode n = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> tracer.trace("list@example.com", EXAMPLECO));
        assertEquals(TraceKind.FORWARDER, n.kind(), () -> TraceText.render(n));
        assertEquals(TraceKind.INCLUDE, n.children().get(0).kind());
        assertEquals(TraceStatus.UNKNOWN, n.status(), "cut off at the trace's limits");
    }

    @Test
    void trace_mailboxFileIsAFifo_answersAtOnce() throws Exception {
        Process p = new ProcessBuilder("mkfifo", mailboxes.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        TraceNode n = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> tracer.trace("alice@example.com", EXAMPLECO));
        assertNotEquals(TraceKind.MAILBOX, n.kind(), () -> TraceText.render(n));
    }

    @Test
    void trace_mailboxFileLinksToDevZero_readsLittleAndAnswers() throws Exception {
        Files.createSymbolicLink(mailboxes, Path.of("/dev/zero"));
        TraceNode n = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> tracer.trace("alice@example.com", EXAMPLECO));
        assertNotEquals(TraceKind.MAILBOX, n.kind(), () -> TraceText.render(n));
    }

    @Test
    void trace_mailboxFileLinksIntoAnotherAccount_showsNothingOfIt() throws Exception {
        Files.createSymbolicLink(mailboxes, root.resolve("home2/shopuser/etc/shop.test/passwd"));
        TraceNode n = tracer.trace("carol@example.com", EXAMPLECO);
        String shown = TraceText.render(n) + n.toMap();
        assertNotEquals(TraceKind.MAILBOX, n.kind(), shown);
        assertFalse(shown.contains("shopuser"), shown);
    }

    @Test
    void trace_mailboxFileLinkedInsideItsHome_isRead() throws Exception {
        Path elsewhere = root.resolve("home/exampleco/mailboxes.txt");
        Files.writeString(elsewhere, "alice:x:1001:1001::/home/exampleco/mail/example.com/alice:/bin/false\n");
        Files.createSymbolicLink(mailboxes, elsewhere);
        TraceNode n = tracer.trace("alice@example.com", EXAMPLECO);
        assertEquals(TraceKind.MAILBOX, n.kind(), () -> TraceText.render(n));
        assertEquals(List.of(), n.children());
    }
}
