package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogHeadTest {

    static final String LINE = "2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= alice@example.com H=mx [192.0.2.1]\n";

    static LogHead head(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return LogHead.of(b, b.length);
    }

    @Test
    void peek_readsTheHeadOfWhatAStreamHolds_andLeavesEveryByteToBeRead() throws IOException {
        String text = "2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= a@b H=mail.example.com [192.0.2.1] S=1234\n"
                + "2026-11-28 04:02:02 1vAbcD-00000000AbC-0000 Completed\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        InputStream in = new BufferedInputStream(new ByteArrayInputStream(bytes), LogHead.BYTES);
        assertEquals(LogHead.of(bytes, bytes.length), LogHead.peek(in));
        assertArrayEquals(bytes, in.readAllBytes(), "nothing consumed");
        assertEquals(0, LogHead.peek(new BufferedInputStream(new ByteArrayInputStream(new byte[0])))
                .length(), "an empty text has an empty head");
    }

    @Test
    void guard_dependsOnEveryByteAndTheLength() {
        long h = head("2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= a@b").guard();
        assertEquals(h, head("2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= a@b").guard());
        assertNotEquals(h, head("2026-11-28 04:02:02 1vAbcD-00000000AbC-0000 <= a@b").guard());
        assertNotEquals(h, head("2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= a@").guard());
    }

    @Test
    void fingerprintAndGuard_areSha256AndItsFirstEightBytes() {
        // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223 b00361a396177a9c b410ff61f20015ad
        assertArrayEquals(HexFormat.of().parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
                head("abc").fingerprint());
        assertEquals(0xba7816bf8f01cfeaL, head("abc").guard());
    }

    @Test
    void of_keepsOnlyTheFirst64Bytes_soALogKeepsItsFingerprintAsItGrows() {
        LogHead one = head(LINE);
        LogHead three = head(LINE + LINE.replace("alice", "bob") + LINE.replace("alice", "carol"));
        assertEquals(LogHead.BYTES, one.length());
        assertEquals(one, three);
        assertArrayEquals(one.fingerprint(), three.fingerprint());
    }

    @Test
    void of_aFileShorterThan64Bytes_hasAFingerprintThatChangesAsItGrows() {
        LogHead short1 = head(LINE.substring(0, 30));
        LogHead short2 = head(LINE.substring(0, 40));
        assertEquals(30, short1.length());
        assertFalse(Arrays.equals(short1.fingerprint(), short2.fingerprint()));
        assertTrue(short2.startsLike(30, short1.guard()), "the longer head begins like the shorter one");
        assertFalse(short1.startsLike(40, short2.guard()), "a head cannot vouch for bytes it does not hold");
    }

    @Test
    void read_plainAndCompressedCopiesOfALog_haveOneFingerprint(@TempDir Path dir) throws IOException {
        String text = LINE.repeat(100);
        Path plain = dir.resolve("exim_mainlog.1");
        Files.writeString(plain, text);
        Path gz = dir.resolve("renamed-anything");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(LogHead.read(plain), LogHead.read(gz));
        assertArrayEquals(LogHead.read(plain).fingerprint(), LogFileInfo.of(gz, java.time.ZoneOffset.UTC).fingerprint());
    }

    @Test
    void read_emptyFile_isAnEmptyHead(@TempDir Path dir) throws IOException {
        Path empty = dir.resolve("exim_mainlog");
        Files.writeString(empty, "");
        assertEquals(0, LogHead.read(empty).length());
        assertTrue(LogHead.read(empty).startsLike(0, head("").guard()));
    }
}
