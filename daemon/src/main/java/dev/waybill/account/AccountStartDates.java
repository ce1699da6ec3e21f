package dev.waybill.account;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each cPanel account was created on this server: {@code STARTDATE=<unix seconds>} in
 * {@code var/cpanel/users/<user>}. An account name is freed the moment its account is terminated,
 * so a new account may carry the name of one whose mail is still stored; its creation time is
 * where the new account's mail begins.
 *
 * <p>Each look-up checks the file (one {@code lstat}) and reads it again only when it changed. A
 * name that is not a plain file name, a file that is missing, not a regular file (a symbolic link,
 * a FIFO, a directory), larger than {@link #MAX_BYTES}, or without a usable {@code STARTDATE}
 * gives 0: no bound. Thread-safe.
 */
public final class AccountStartDates {

    /** A real account file is a few kilobytes, even with hundreds of domains. */
    static final int MAX_BYTES = 1 << 20;
    /** Later than any creation time (year 36812): a larger value is garbage. */
    static final long LATEST = 1L << 40;
    /** Entries remembered at most; past that the memory starts again (a server has fewer accounts). */
    static final int MAX_ENTRIES = 100_000;

    private static final String KEY = "STARTDATE=";

    private final Path dir;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    /**
     * What {@link #startDate} looks at: Linux's {@code unix} view, whose change time moves with
     * every write, even one whose modification time is put back afterwards.
     */
    static final String ATTRIBUTES = "unix:isRegularFile,size,fileKey,lastModifiedTime,ctime";

    /** What a file said, and the state of the file it was read from. */
    private record Known(Object fileKey, long modified, long changed, long size, long startDate) {
        boolean sameFile(Known o) {
            return modified == o.modified && changed == o.changed && size == o.size && Objects.equals(fileKey, o.fileKey);
        }
    }

    /** @param root the cPanel root ({@code /} on a real server), or null for no accounts */
    public AccountStartDates(Path root) {
        this.dir = root == null ? null : root.resolve("var/cpanel/users");
    }

    /** Unix seconds at which {@code user} was created, or 0 when that is not known. */
    public long startDate(String user) {
        if (dir == null || !CpanelAccounts.isSafeFileName(user)) {
            return 0;
        }
        Path file = dir.resolve(user);
        Map<String, Object> a;
        try {
            a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            known.remove(user);
            return 0;
        }
        long size = (Long) a.get("size");
        if (!(Boolean) a.get("isRegularFile") || size > MAX_BYTES) {
            known.remove(user);
            return 0;
        }
        Known seen = new Known(a.get("fileKey"), ((FileTime) a.get("lastModifiedTime")).toMillis(),
                ((FileTime) a.get("ctime")).toMillis(), size, 0);
        Known k = known.get(user);
        if (k != null && k.sameFile(seen)) {
            return k.startDate;
        }
        long startDate = read(file);
        if (known.size() >= MAX_ENTRIES) {
            known.clear();
        }
        known.put(user, new Known(seen.fileKey, seen.modified, seen.changed, size, startDate));
        return startDate;
    }

    private static long read(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            return 0;
        }
        if (bytes.length > MAX_BYTES) {
            return 0; // grew past the limit since the look
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl;
            if (text.startsWith(KEY, from)) {
                return parse(text.substring(from + KEY.length(), end).trim());
            }
            from = end + 1;
        }
        return 0;
    }

    /** Decimal digits for a time between 1970 and {@link #LATEST}; anything else is 0. */
    static long parse(String value) {
        if (value.isEmpty() || value.length() > 13) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n < LATEST ? n : 0;
    }
}
