package dev.waybill.trace;

import java.util.List;
import java.util.Objects;

/**
 * What a DNS query answered, failures included: a resolver reports them here rather than throw.
 *
 * @param outcome what kind of answer it was
 * @param records the records in presentation form when {@link Outcome#ANSWER}: MX as
 *     {@code "10 mx.example.com."}, A and AAAA as IP addresses; otherwise empty
 * @param message what went wrong, for a person, when not an answer; else null
 */
public record DnsAnswer(Outcome outcome, List<String> records, String message) {

    /** The kinds of answer a trace tells apart. */
    public enum Outcome {
        /** Records of the type asked for. */
        ANSWER,
        /** The name exists but has no records of that type (NOERROR, empty answer). */
        NO_DATA,
        /** The name does not exist (RCODE 3). */
        NXDOMAIN,
        /** The server failed (RCODE 2); Exim defers. */
        SERVFAIL,
        /** No answer in time; Exim defers. */
        TIMEOUT,
        /** Any other failure (refused, unreachable server, malformed reply); Exim defers. */
        ERROR;

        /** True for the failures Exim treats as temporary: the message waits and is retried. */
        public boolean isTemporary() {
            return this == SERVFAIL || this == TIMEOUT || this == ERROR;
        }
    }

    public DnsAnswer {
        Objects.requireNonNull(outcome, "outcome");
        records = List.copyOf(records);
    }

    /** Records of the type asked for; an empty list means {@link Outcome#NO_DATA}. */
    public static DnsAnswer of(List<String> records) {
        return records.isEmpty() ? new DnsAnswer(Outcome.NO_DATA, List.of(), null)
                : new DnsAnswer(Outcome.ANSWER, records, null);
    }

    /** A failure, with words for a person. */
    public static DnsAnswer failure(Outcome outcome, String message) {
        if (outcome == Outcome.ANSWER) {
            throw new IllegalArgumentException("an answer is not a failure");
        }
        return new DnsAnswer(outcome, List.of(), message);
    }
}
