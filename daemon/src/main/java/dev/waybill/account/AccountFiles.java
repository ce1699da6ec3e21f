package dev.waybill.account;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * cPanel's account files, read again when they change: the daemon runs for months while accounts
 * are created, removed and moved between resellers. {@code etc/userdomains},
 * {@code etc/trueuserowners} and {@code var/cpanel/resellers} are checked by inode, size,
 * modification and change time; forwarders ({@code etc/valiases/}) are read lazily and dropped at every reload, and at least every
 * {@link #MAX_AGE_MS} because editing one does not touch the others. Not thread-safe.
 */
public final class AccountFiles {

    static final long MAX_AGE_MS = 5 * 60_000;
    /**
     * How long {@code etc/userdomains} or {@code etc/trueuserowners} may be missing or empty after
     * naming domains or accounts before that is believed: a file rewritten in place, or removed and
     * written again, is briefly so, and rows stored meanwhile would keep no owner (or no reseller)
     * for good. cPanel's userdomains always has its {@code *: nobody}, and trueuserowners a line
     * for every account, root's included.
     */
    static final long EMPTY_GRACE_MS = 60_000;

    private final Path root;
    private final List<Path> watched;
    private CpanelAccounts current;
    private String stamp;
    private long loadedAt;
    private final long emptyGraceMs;
    /** Since when one of those two files has been seen missing or empty after naming some; 0 when not. */
    private long emptySince;

    /**
     * Reads the files under {@code root} now.
     *
     * @throws IOException if a file exists but cannot be read
     */
    public AccountFiles(Path root) throws IOException {
        this(root, EMPTY_GRACE_MS);
    }

    AccountFiles(Path root, long emptyGraceMs) throws IOException {
        this.root = root;
        this.emptyGraceMs = emptyGraceMs;
        this.watched = List.of(root.resolve("etc/userdomains"), root.resolve("etc/trueuserowners"),
                root.resolve("var/cpanel/resellers"));
        load();
    }

    /** The accounts as last read. */
    public CpanelAccounts current() {
        return current;
    }

    /**
     * Reads the files again if they changed (or the forwarders may have).
     *
     * @return true if the accounts were read again
     * @throws IOException if a file exists but cannot be read; the previous accounts stay in use
     */
    public boolean reloadIfChanged() throws IOException {
        if (stamp().equals(stamp) && System.currentTimeMillis() - loadedAt < MAX_AGE_MS) {
            return false;
        }
        return load();
    }

    private boolean load() throws IOException {
        String before = stamp();
        CpanelAccounts read = CpanelAccounts.read(root);
        long now = System.currentTimeMillis();
        if (current != null && (current.hasDomains() && !read.hasDomains()
                || current.hasAccountOwners() && !read.hasAccountOwners())) {
            if (emptySince == 0) {
                emptySince = now;
            }
            if (now - emptySince < emptyGraceMs) {
                return false; // keep the previous accounts; the stamp left as it was looks again next time
            }
        }
        emptySince = 0;
        current = read;
        stamp = before;
        loadedAt = now;
        return true;
    }

    private String stamp() {
        StringBuilder sb = new StringBuilder();
        for (Path p : watched) {
            try {
                // The change time and the inode too: a rewrite in the same second (a filesystem keeping
                // whole seconds) of the same size, or a file renamed into place with an older time.
                Map<String, Object> a = Files.readAttributes(p, AccountStartDates.ATTRIBUTES);
                sb.append(a.get("fileKey")).append('/').append(((FileTime) a.get("lastModifiedTime")).toMillis())
                        .append('/').append(((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS)).append('/')
                        .append(a.get("size")).append(';');
            } catch (IOException e) {
                sb.append("absent;");
            }
        }
        return sb.toString();
    }
}
