package dev.waybill.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
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
