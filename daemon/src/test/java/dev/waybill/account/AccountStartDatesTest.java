package dev.waybill.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountStartDatesTest {

    @TempDir
    Path root;
    private Path users;
    private AccountStartDates dates;

    @BeforeEach
    void setUp() throws IOException {
        users = Files.createDirectories(root.resolve("var/cpanel/users"));
        dates = new AccountStartDates(root);
    }

    /** An account file as cPanel writes it: keys in order, STARTDATE among them. */
    private void write(String user, String startDate) throws IOException {
        Files.writeString(users.resolve(user), "BWLIMIT=unlimited\nDNS=" + user + ".example\nOWNER=root\nPLAN=default\n"
                + "RS=jupiter\nSTARTDATE=" + startDate + "\nUSER=" + user + "\n");
    }

    @Test
    void startDate_asCpanelWritesIt_isRead() throws IOException {
        write("exampleco", "1716200000");
        assertEquals(1716200000L, dates.startDate("exampleco"));
    }

    @Test
    void startDate_missingFileOrKey_isNoBound() throws IOException {
        assertEquals(0, dates.startDate("nosuch"));
        Files.writeString(users.resolve("nokey"), "DNS=nokey.example\nOWNER=root\n");
        assertEquals(0, dates.startDate("nokey"));
        assertEquals(0, new AccountStartDates(null).startDate("nokey"), "no cPanel root, no accounts");
    }

    @Test
    void startDate_garbageValues_areNoBound() throws IOException {
        for (String garbage : new String[] {"", "abc", "-5", "1.5", "0x10", "17162 00000", "99999999999999999999",
                "1099511627776", "\u0661\u0662\u0663"}) {
            write("exampleco", garbage);
            // a new instance each time: the file's size and time may not change between writes
            assertEquals(0, new AccountStartDates(root).startDate("exampleco"), "STARTDATE=" + garbage);
        }
        write("exampleco", " 1716200000\r");
        assertEquals(1716200000L, new AccountStartDates(root).startDate("exampleco"), "spaces and CR around it");
    }

    @Test
    void startDate_fileChanged_isReadAgain() throws IOException {
        write("exampleco", "1716200000");
        assertEquals(1716200000L, dates.startDate("exampleco"));
        write("exampleco", "1716300000");
        Files.setLastModifiedTime(users.resolve("exampleco"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals(1716300000L, dates.startDate("exampleco"));
        Files.delete(users.resolve("exampleco"));
        assertEquals(0, dates.startDate("exampleco"), "a removed file says nothing any more");
    }

    /**
     * A file rewritten in place to the same size with its time put back (as {@code cp -p} onto
     * it does) is one the cache cannot tell by inode, size and time: its change time tells it.
     */
    @Test
    void startDate_fileRewrittenInPlaceWithItsTimeKept_isReadAgain() throws Exception {
        Path file = users.resolve("exampleco");
        write("exampleco", "1716200000");
        FileTime kept = Files.getLastModifiedTime(file);
        assertEquals(1716200000L, dates.startDate("exampleco"));
        Thread.sleep(20); // a change time the file system can tell from the first
        write("exampleco", "1716300000");
        Files.setLastModifiedTime(file, kept);
        assertEquals(1716300000L, dates.startDate("exampleco"));
    }

    @Test
    void startDate_nameThatIsNotAFileName_readsNothing() throws IOException {
        Files.writeString(root.resolve("var/cpanel/x"), "STARTDATE=1716200000\n");
        Files.writeString(root.resolve("var/cpanel/users/.hidden"), "STARTDATE=1716200000\n");
        for (String name : new String[] {"../x", "..", ".hidden", "a/b", "", "x\u0000", null}) {
            assertEquals(0, dates.startDate(name), String.valueOf(name));
        }
    }

    @Test
    void startDate_symbolicLinkDirectoryOrFifo_isNoBound() throws Exception {
        Path target = Files.writeString(root.resolve("elsewhere"), "STARTDATE=1716200000\n");
        Files.createSymbolicLink(users.resolve("linked"), target);
        Files.createDirectories(users.resolve("dir"));
        Process mkfifo = new ProcessBuilder("mkfifo", users.resolve("fifo").toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertEquals(0, dates.startDate("linked"));
            assertEquals(0, dates.startDate("dir"));
            assertEquals(0, dates.startDate("fifo"), "a FIFO is never opened: reading it would wait for a writer");
        });
    }

    @Test
    void startDate_hugeOrBinaryFile_isNoBoundAndQuick() throws Exception {
        // Past the limit, even with a good STARTDATE at its start.
        byte[] huge = new byte[AccountStartDates.MAX_BYTES + 1];
        byte[] head = "STARTDATE=1716200000\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, huge, 0, head.length);
        Files.write(users.resolve("huge"), huge);
        byte[] binary = new byte[200_000];
        new Random(7).nextBytes(binary);
        Files.write(users.resolve("binary"), binary);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 0; i < 1000; i++) {
                assertEquals(0, dates.startDate("huge"));
                assertEquals(0, dates.startDate("binary"));
            }
        });
    }

    @Test
    void startDate_keyOnlyAtTheStartOfALine() throws IOException {
        Files.writeString(users.resolve("exampleco"), "XSTARTDATE=1716200000\nNOTE=STARTDATE=1\nSTARTDATE=1716200001\n");
        assertEquals(1716200001L, dates.startDate("exampleco"));
    }
}
