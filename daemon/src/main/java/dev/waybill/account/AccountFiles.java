package dev.waybill.account;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cPanel's account files, read again when they change: the daemon runs for months while accounts
 * are created, removed and moved between resellers. {@code etc/userdomains},
 * {@code etc/trueuserowners} and {@code var/cpanel/resellers} are checked by modification time and size; forwarders
 * ({@code etc/valiases/}) are read lazily and dropped at every reload, and at least every
 * {@link #MAX_AGE_MS} because editing one does not touch the others. Not thread-safe.
 */
public final class AccountFiles {

    static final long MAX_AGE_MS = 5 * 60_000;

    private final Path root;
    private final List<Path> watched;
    private CpanelAccounts current;
    private String stamp;
    private long loadedAt;

    /**
     * Reads the files under {@code root} now.
     *
     * @throws IOException if a file exists but cannot be read
     */
    public AccountFiles(Path root) throws IOException {
        this.root = root;
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
        load();
        return true;
    }

    private void load() throws IOException {
        String before = stamp();
        current = CpanelAccounts.read(root);
        stamp = before;
        loadedAt = System.currentTimeMillis();
    }

    private String stamp() {
        StringBuilder sb = new StringBuilder();
        for (Path p : watched) {
            try {
                sb.append(Files.getLastModifiedTime(p).toMillis()).append('/').append(Files.size(p)).append(';');
            } catch (IOException e) {
                sb.append("absent;");
            }
        }
        return sb.toString();
    }
}
