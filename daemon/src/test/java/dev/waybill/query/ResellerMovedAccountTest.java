package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An account moved from one reseller to another: its mail stored before the move was stored as
 * the old reseller's ({@code @old}). The new reseller narrowed to the account sees no more than
 * it sees unnarrowed: narrowing never widens.
 */
@ExtendWith(PrivateMariaDb.class)
class ResellerMovedAccountTest {

    private static final String SERVER = "moves";

    private static HikariDataSource ds;
    private static DeliveryQueries queries;
    /** res after the move: exampleco (formerly old's) and shopuser (res's all along). */
    private static final Viewer RES = Viewer.reseller("res", Set.of("exampleco", "shopuser"));

    @BeforeAll
    static void store(@TempDir Path root, TestDatabase db) throws Exception {
        ds = db.pool(2);
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: old\nshopuser: res\n");
        StoredLog.store(new DeliveryStore(ds, SERVER), root, StoredLog.fixture());
        queries = new DeliveryQueries(ds, SERVER);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    private static TreeSet<String> keys(Viewer v, SearchParams p) throws Exception {
        TreeSet<String> keys = new TreeSet<>();
        for (StoredDelivery r : queries.search(v, p, false).rows()) {
            keys.add(HexFormat.of().formatHex(r.key()));
        }
        return keys;
    }

    @Test
    void reseller_narrowedToAMovedInAccount_seesNoMoreThanUnnarrowed() throws Exception {
        SearchParams all = SearchParams.builder().limit(1000).build();
        TreeSet<String> unnarrowed = keys(RES, all);
        TreeSet<String> accountsOwn = keys(Viewer.account("exampleco"), all);
        TreeSet<String> expected = new TreeSet<>(accountsOwn);
        expected.retainAll(unnarrowed);
        assertTrue(expected.size() < accountsOwn.size(), "the account has mail stored before it moved to res");
        for (SearchParams p : List.of(SearchParams.builder().user("exampleco").limit(1000).build(),
                SearchParams.builder().user("exampleco").recipient("bob@example.com").limit(1000).build(),
                SearchParams.builder().user("exampleco").types(Set.of(dev.waybill.outcome.OutcomeType.SUCCESS))
                        .limit(1000).build())) {
            TreeSet<String> narrowed = keys(RES, p);
            TreeSet<String> wanted = new TreeSet<>(expected);
            wanted.retainAll(keys(Viewer.all(), p));
            assertEquals(wanted, narrowed, "narrowed to exampleco: " + p);
            assertEquals(narrowed.size(), queries.search(RES, p, true).total(), "counts as the rows: " + p);
        }
    }

    @Test
    void reseller_narrowedToItsOwnAccountOfAllAlong_seesAllOfIt() throws Exception {
        SearchParams p = SearchParams.builder().user("shopuser").limit(1000).build();
        TreeSet<String> shop = keys(Viewer.account("shopuser"), SearchParams.builder().limit(1000).build());
        assertFalse(shop.isEmpty());
        assertEquals(shop, keys(RES, p));
        assertEquals(shop.size(), queries.search(RES, p, true).total());
    }
}
