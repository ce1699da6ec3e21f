package dev.waybill.server;

import dev.waybill.account.AccountFiles;
import dev.waybill.account.CpanelAccounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * cPanel's accounts as the socket server sees them: {@link AccountFiles} checked for changes at
 * most once a {@link #CHECK_EVERY_MS}, shared safely by the request threads. A file that cannot be
 * read keeps the previous accounts in force (and is said once).
 */
public final class LiveAccounts {

    static final long CHECK_EVERY_MS = 1000;

    private final AccountFiles files;
    private final Consumer<String> log;
    private volatile CpanelAccounts current;
    private long checkedAt;
    private boolean failing;

    private LiveAccounts(AccountFiles files, CpanelAccounts fixed, Consumer<String> log) {
        this.files = files;
        this.current = fixed != null ? fixed : files.current();
        this.log = log;
        this.checkedAt = System.currentTimeMillis();
    }

    /**
     * Reads the account files under {@code cpanelRoot} now, and again when they change.
     *
     * @throws IOException if a file exists but cannot be read
     */
    public static LiveAccounts watching(Path cpanelRoot, Consumer<String> log) throws IOException {
        return new LiveAccounts(new AccountFiles(cpanelRoot), null, log);
    }

    /** Always these accounts (tests). */
    public static LiveAccounts fixed(CpanelAccounts accounts) {
        return new LiveAccounts(null, accounts, line -> { });
    }

    /** The accounts, read again first if the files changed since the last look. */
    public CpanelAccounts current() {
        if (files != null && System.currentTimeMillis() - checkedAt >= CHECK_EVERY_MS) {
            refresh();
        }
        return current;
    }

    private synchronized void refresh() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < CHECK_EVERY_MS) {
            return; // another thread just looked
        }
        checkedAt = now;
        try {
            if (files.reloadIfChanged()) {
                current = files.current();
            }
            failing = false;
        } catch (IOException e) {
            if (!failing) {
                log.accept("cannot read cPanel's account files again (" + e + "); keeping the previous accounts");
                failing = true;
            }
        }
    }
}
