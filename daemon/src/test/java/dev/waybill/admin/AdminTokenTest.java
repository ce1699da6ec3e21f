package dev.waybill.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    private static final String TOKEN = "Xq3vR8mK2pL9sT4wY7zA1bC5";

    @Test
    void read_firstLineWithoutBlanks_isTheToken(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("admin.token");
        Files.writeString(f, "  " + TOKEN + "  \nsecond line ignored\n");
        AdminToken t = AdminToken.read(f);
        assertTrue(t.matchesToken(TOKEN));
    }

    @Test
    void matchesToken_anythingElse_isFalse() {
        AdminToken t = AdminToken.of(TOKEN);
        assertFalse(t.matchesToken(null));
        assertFalse(t.matchesToken(""));
        assertFalse(t.matchesToken(TOKEN.substring(1)), "a prefix");
        assertFalse(t.matchesToken(TOKEN + "x"), "longer");
        assertFalse(t.matchesToken(TOKEN.toLowerCase()), "case matters");
    }

    @Test
    void cookie_isDerivedFromTheTokenButIsNotIt() {
        AdminToken t = AdminToken.of(TOKEN);
        assertNotEquals(TOKEN, t.cookieValue());
        assertFalse(t.cookieValue().contains(TOKEN));
        assertTrue(t.matchesCookie(t.cookieValue()));
        assertFalse(t.matchesCookie(TOKEN), "the token is not a cookie");
        assertFalse(t.matchesCookie(null));
        assertFalse(AdminToken.of(TOKEN + "2").matchesCookie(t.cookieValue()), "another server's cookie");
        assertEquals(t.cookieValue(), AdminToken.of(TOKEN).cookieValue(), "stable across restarts");
    }

    @Test
    void read_missingFile_saysWhereAndWhatToDo(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> AdminToken.read(dir.resolve("admin.token")));
        assertTrue(e.getMessage().startsWith("admin.token.file " + dir.resolve("admin.token") + " does not exist"),
                e.getMessage());
        assertTrue(e.getMessage().contains("umask 077"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /** What the message says to run creates a token that works in {@code ?token=} as typed, in a file only root reads. */
    @Test
    void read_missingFile_theCommandItGivesMakesATokenFitForTheAddress(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("admin.token");
        IOException e = assertThrows(IOException.class, () -> AdminToken.read(f));
        Matcher m = Pattern.compile("create it (\\(.*\\)) or turn the page off").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        for (int i = 0; i < 5; i++) {
            Process p = new ProcessBuilder("bash", "-c", m.group(1)).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), said);
            String token = Files.readString(f).strip();
            AdminToken.read(f);
            assertTrue(token.matches("[A-Za-z0-9._~-]+"), "a URL carries '" + token + "' unchanged: no '+' (a space"
                    + " in a query), '/', '=' or '%'");
            assertFalse(AdminToken.readableByOthers(f));
            Files.delete(f);
        }
    }

    @Test
    void read_notUtf8_saysWhichFileAndWhy(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("admin.token");
        byte[] raw = new byte[24];
        Arrays.fill(raw, (byte) 0xff); // head -c 24 /dev/urandom > admin.token, without base64
        Files.write(f, raw);
        IOException e = assertThrows(IOException.class, () -> AdminToken.read(f));
        assertTrue(e.getMessage().startsWith("admin.token.file " + f + " "), e.getMessage());
        assertTrue(e.getMessage().contains("letters and digits"), e.getMessage());
        Path d = Files.createDirectory(dir.resolve("a-directory"));
        IOException notAFile = assertThrows(IOException.class, () -> AdminToken.read(d));
        assertTrue(notAFile.getMessage().startsWith("admin.token.file " + d + ": "), notAFile.getMessage());
    }

    @Test
    void read_shortToken_isRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("admin.token");
        Files.writeString(f, "short\n");
        IOException e = assertThrows(IOException.class, () -> AdminToken.read(f));
        assertTrue(e.getMessage().contains("16 to 512 characters (it holds 5)"), e.getMessage());
    }

    @Test
    void readableByOthers_onlyWhenGroupOrOthersMayRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("admin.token");
        Files.writeString(f, TOKEN);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertFalse(AdminToken.readableByOthers(f));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(AdminToken.readableByOthers(f));
    }

    @Test
    void toString_hidesTheToken() {
        assertFalse(AdminToken.of(TOKEN).toString().contains(TOKEN));
    }
}
