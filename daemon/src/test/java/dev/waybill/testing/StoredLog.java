package dev.waybill.testing;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.store.DeliveryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;

/** Log lines stored as a server's daemon stores them: parsed, assembled, written in one batch. */
public final class StoredLog {

    private StoredLog() {
    }

    /** The lines of the real Exim fixture, all of it on 2026-11-28 (UTC). */
    public static List<String> fixture() {
        try (InputStream in = StoredLog.class.getResourceAsStream("/fixtures/exim496-cpanel-like.log")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores {@code lines} as {@code store}'s server does with the cPanel accounts under
     * {@code cpanelRoot}, messages still open at the end included.
     */
    public static void store(DeliveryStore store, Path cpanelRoot, List<String> lines) throws SQLException, IOException {
        store.prepare();
        Ingester ingester = new Ingester(store.serverName(), CpanelAccounts.read(cpanelRoot), 7 * 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        for (String line : lines) {
            ingester.accept(parser.parse(line), -1);
        }
        store.write(ingester.takeBatch());
    }
}
