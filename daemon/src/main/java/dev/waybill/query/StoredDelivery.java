package dev.waybill.query;

import dev.waybill.diagnosis.Diagnoser;
import dev.waybill.diagnosis.Diagnosis;
import dev.waybill.outcome.Outcome;
import java.util.Optional;

/**
 * A delivery row as read back from the store: the outcome, the server that logged it, and the
 * diagnosis of a failure or deferral (worked out when read, so that a better diagnosis table
 * applies to old rows too).
 *
 * @param server  the {@code server.id} of the server that logged it
 * @param key     the row's 16-byte key (its identity in the store)
 * @param outcome what happened
 */
public record StoredDelivery(String server, byte[] key, Outcome outcome) {

    public StoredDelivery {
        key = key.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** The probable cause and fix, for failures, deferrals and rejections. */
    public Optional<Diagnosis> diagnosis() {
        return Diagnoser.diagnose(outcome);
    }
}
