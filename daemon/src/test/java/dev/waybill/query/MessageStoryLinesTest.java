package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw lines of a message shown to an account that may see only some of its rows: Exim logs a
 * remote host's trouble on lines of their own that name no recipient, and those about another
 * recipient's delivery (one Bcc'd, say) tell where that recipient's mail is hosted.
 */
@ExtendWith(PrivateMariaDb.class)
class MessageStoryLinesTest {

    private static final String SERVER = "web1";
    private static final String MSGID = "1xXFDs-0000Aa-0A";
    private static final List<String> LOG = List.of(
            "2026-11-28 10:00:00 " + MSGID + " <= ann@sender.example H=(laptop) [198.51.100.9]:50522 P=esmtpa"
                    + " A=dovecot_login:ann@sender.example S=2100 id=plans@sender.example T=\"Plans\"",
            "2026-11-28 10:00:00 " + MSGID + " => bob <bob@local.example> R=virtual_user T=dovecot_virtual_delivery",
            "2026-11-28 10:00:01 " + MSGID + " gmail-smtp-in.l.google.com [2a00:1450:400c:c0b::1a] Network is unreachable",
            "2026-11-28 10:00:02 " + MSGID + " H=gmail-smtp-in.l.google.com [142.250.102.27]: SMTP error from remote"
                    + " mail server after pipelined end of data: 421-4.7.0 Try again later, closing connection.",
            "2026-11-28 10:00:02 " + MSGID + " == secret@gmail.com R=dkim_lookuphost T=dkim_remote_smtp defer (-46)"
                    + " H=gmail-smtp-in.l.google.com [142.250.102.27]: SMTP error from remote mail server after"
                    + " pipelined end of data: 421-4.7.0 Try again later, closing connection.");

    @TempDir
    Path dir;
    private HikariDataSource ds;
    private MessageQueries stories;

    @BeforeEach
    void store(TestDatabase db) throws Exception {
        ds = db.pool(2);
        Path cpanel = dir.resolve("cpanel");
        Files.createDirectories(cpanel.resolve("etc"));
        Files.writeString(cpanel.resolve("etc/userdomains"), "sender.example: annco\nlocal.example: bobco\n");
        Files.writeString(cpanel.resolve("etc/trueuserowners"), "annco: root\nbobco: root\n");
        DeliveryStore store = new DeliveryStore(ds, SERVER);
        StoredLog.store(store, cpanel, LOG);
        stories = new MessageQueries(ds, new DeliveryQueries(ds, SERVER));
    }

    @AfterEach
    void close() {
        ds.close();
    }

    @Test
    void story_ofARecipientsAccount_leavesOutTheHostsOfTheRowsItCannotSee() throws Exception {
        MessageStory bobs = stories.story(Viewer.account("bobco"), MSGID, null);
        assertEquals(1, bobs.rows().size());
        assertEquals("bob@local.example", bobs.rows().get(0).outcome().recipient());
        for (String line : bobs.lines()) {
            String lower = line.toLowerCase(Locale.ROOT);
            assertTrue(!lower.contains("google") && !lower.contains("2a00:") && !lower.contains("142.250"), line);
        }
        assertTrue(bobs.lines().stream().anyMatch(l -> l.contains("=> bob <bob@local.example>")), "its own delivery");
        assertTrue(bobs.lines().stream().anyMatch(l -> l.contains(" <= ann@sender.example")), "the arrival");
        assertEquals(2, bobs.lines().size(), String.join("\n", bobs.lines()));
        assertEquals(3, bobs.hiddenLines());
    }

    @Test
    void story_ofTheSendersAccount_showsEveryLine() throws Exception {
        MessageStory anns = stories.story(Viewer.account("annco"), MSGID, null);
        assertEquals(2, anns.rows().size());
        assertEquals(LOG, anns.lines());
        assertEquals(0, anns.hiddenLines());
    }
}
