package dev.waybill.admin;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The admin page's secret: one line in {@code admin.token.file} (install.sh writes it, mode
 * 0600). A visitor proves it knows the token once, with {@code ?token=} or an
 * {@code Authorization: Bearer} header; the browser then carries a session cookie whose value is
 * derived from the token (an HMAC), so that the token itself never sits in the browser's cookie
 * jar. Every comparison hashes both sides first and compares the digests in constant time, so
 * neither the content nor the length of a guess shows in the timing.
 */
public final class AdminToken {

    /** Shorter tokens are refused: the page is root's view of every account's mail. */
    static final int MIN_LENGTH = 16;
    static final int MAX_LENGTH = 512;

    private final byte[] tokenDigest;
    private final String cookieValue;
    private final byte[] cookieDigest;

    private AdminToken(String token) {
        this.tokenDigest = sha256(token);
        this.cookieValue = hmac(token, "waybill admin session");
        this.cookieDigest = sha256(cookieValue);
    }

    /** A token given as text (tests). */
    static AdminToken of(String token) {
        if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH || !token.strip().equals(token)) {
            throw new IllegalArgumentException("a token is " + MIN_LENGTH + " to " + MAX_LENGTH + " characters");
        }
        return new AdminToken(token);
    }

    /**
     * Reads the token from {@code file}: its first line, surrounding blanks removed.
     *
     * @throws IOException with a one-line message naming the file and what to do
     */
    public static AdminToken read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            // letters and digits only, as install.sh makes them: base64's '+' would be a space in ?token=
            throw new IOException("admin.token.file " + file + " does not exist; create it (umask 077; tr -dc"
                    + " A-Za-z0-9 < /dev/urandom | head -c 32 > " + file + ") or turn the page off (admin.listen)", e);
        } catch (AccessDeniedException e) {
            throw new IOException("admin.token.file " + file + ": permission denied", e);
        } catch (CharacterCodingException e) {
            throw new IOException("admin.token.file " + file + " is not text; write one line of letters and digits"
                    + " in it", e);
        } catch (IOException e) {
            throw new IOException("admin.token.file " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        int nl = text.indexOf('\n');
        String token = (nl < 0 ? text : text.substring(0, nl)).strip();
        if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH) {
            throw new IOException("admin.token.file " + file + " must hold one line of " + MIN_LENGTH + " to "
                    + MAX_LENGTH + " characters (it holds " + token.length() + ")");
        }
        return new AdminToken(token);
    }

    /** Whether others than the owner may read {@code file}: worth a warning at start-up. */
    public static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Whether {@code candidate} is the token (null is not). Constant time. */
    public boolean matchesToken(String candidate) {
        return candidate != null && MessageDigest.isEqual(tokenDigest, sha256(candidate));
    }

    /** Whether {@code candidate} is this token's session cookie value (null is not). Constant time. */
    public boolean matchesCookie(String candidate) {
        return candidate != null && MessageDigest.isEqual(cookieDigest, sha256(candidate));
    }

    /** The session cookie's value: derived from the token, useless without this server's token. */
    String cookieValue() {
        return cookieValue;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String hmac(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] out = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[hidden]";
    }
}
