package dev.waybill.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The system's user names by uid, from a passwd file ({@code /etc/passwd}), read again when the
 * file changes: cPanel creates a system user for every account it creates. Thread-safe.
 */
public final class SystemUsers {

    /** The system's own passwd file. */
    public static final Path PASSWD = Path.of("/etc/passwd");

    private final Path passwd;
    private Map<Integer, String> names = Map.of();
    private String stamp = "";

    /** Users from {@code passwd} (the system's is {@link #PASSWD}; tests pass their own). */
    public SystemUsers(Path passwd) {
        this.passwd = passwd;
    }

    /** The system's users. */
    public static SystemUsers system() {
        return new SystemUsers(PASSWD);
    }

    /**
     * The name of {@code uid}, or null when the file has none (or cannot be read: then nobody but
     * root is anybody, which fails closed).
     */
    public synchronized String nameOf(int uid) {
        String now;
        try {
            now = Files.getLastModifiedTime(passwd).toMillis() + "/" + Files.size(passwd);
        } catch (IOException e) {
            return null;
        }
        if (!now.equals(stamp)) {
            try {
                // Bytes that are not UTF-8 (a comment field written in Latin-1) become U+FFFD: one
                // such byte must not make every user nobody.
                names = parse(new String(Files.readAllBytes(passwd), StandardCharsets.UTF_8).lines().toList());
                stamp = now;
            } catch (IOException e) {
                return null;
            }
        }
        return names.get(uid);
    }

    /** {@code name:password:uid:gid:gecos:home:shell}; the first name listed for a uid wins. */
    private static Map<Integer, String> parse(List<String> lines) {
        Map<Integer, String> byUid = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || f[0].isEmpty() || f[0].startsWith("+") || f[0].startsWith("-")) {
                continue;
            }
            try {
                byUid.putIfAbsent(Integer.parseInt(f[2]), f[0]);
            } catch (NumberFormatException e) {
                // a malformed line names nobody
            }
        }
        return byUid;
    }
}
