package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.waybill.outcome.OutcomeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cursor of a search page: it must still be taken after the daemon that gave it restarts. */
class CursorTest {

    /** A search with every kind of filter, enums included. */
    static SearchParams search() {
        return SearchParams.builder().types(EnumSet.of(OutcomeType.FAILURE, OutcomeType.REJECTED))
                .recipient("bob@example.com").match(SearchParams.Match.PREFIX).order(SearchParams.Order.OLDEST)
                .deliveryType(SearchParams.DeliveryType.REMOTE).since(1_795_824_000L).until(1_795_910_400L).build();
    }

    /** Prints the search's fingerprint, as another run of the daemon computes it. */
    public static final class Fingerprint {
        public static void main(String[] args) {
            System.out.println(search().filterHash());
        }
    }

    @Test
    void filterHash_ofTheSameSearch_isTheSameInAnotherProcess() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Fingerprint.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(String.valueOf(search().filterHash()), out);
    }
}
