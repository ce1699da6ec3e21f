package dev.waybill.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.LogLineReader;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The unedited log of a real Exim 4.96 run (fixtures/exim496-cpanel-like.README.md says what was
 * sent): every line understood, and the fates the scenario produced.
 */
class RealEximFixtureTest {

    @Test
    void realExim496Log_everyLineUnderstoodAndEveryFateCounted() throws IOException {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        List<Outcome> outcomes = new ArrayList<>();
        MessageAssembler assembler = new MessageAssembler(CpanelAccounts.none(),
                MessageAssembler.DEFAULT_HORIZON_SECONDS, MessageAssembler.DEFAULT_MAX_OPEN, outcomes::add);
        Map<LineClass, Integer> classes = new EnumMap<>(LineClass.class);
        try (InputStream in = getClass().getResourceAsStream("/fixtures/exim496-cpanel-like.log")) {
            assertNotNull(in, "fixture on the test classpath");
            LogLineReader reader = new LogLineReader(in);
            String line;
            while ((line = reader.readLine()) != null) {
                ParsedLine p = parser.parse(line);
                classes.merge(p.lineClass(), 1, Integer::sum);
                assembler.accept(p);
            }
        }
        assembler.finish();
        assertEquals(0, parser.internalErrors());
        assertEquals(null, classes.get(LineClass.UNKNOWN));
        assertEquals(null, classes.get(LineClass.NOTE), "every line of a real cPanel-like Exim has a known shape");

        Map<OutcomeType, Integer> byType = new EnumMap<>(OutcomeType.class);
        outcomes.forEach(o -> byType.merge(o.type(), 1, Integer::sum));
        // From the scenario: 12 recipients delivered plus the 4 bounces to alice; trash@ blackholed;
        // reject-1, reject-2, nowhere (:fail:) and ghost failed; tempfail-always still deferred;
        // nosuch, nowhere and a relay attempt refused at RCPT; later-1 queued, never attempted.
        assertEquals(Map.of(OutcomeType.SUCCESS, 16, OutcomeType.FILTERED, 1, OutcomeType.FAILURE, 4,
                OutcomeType.DEFER, 1, OutcomeType.REJECTED, 3, OutcomeType.INPROGRESS, 1), byType);
        assertEquals(4, outcomes.stream().filter(o -> o.bounceOf() != null).count());
        assertEquals(4, outcomes.stream().filter(o -> o.bounceMsgid() != null).count(),
                "each failure links to its bounce");
    }
}
