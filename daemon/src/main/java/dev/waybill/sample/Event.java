package dev.waybill.sample;

/**
 * Something that happens at a moment of simulated time: the next step of an SMTP session, of a
 * delivery attempt, or of the queue runner. An event writes the log lines of its step when it
 * fires and may schedule itself again; nothing writes a line except a firing event, which is
 * what keeps the log's timestamps in order.
 */
abstract class Event {
    /** When the event fires, in epoch milliseconds. */
    long due;
    /** Tie-breaker: events due in the same millisecond fire in the order they were scheduled. */
    long seq;
    /** Position in the {@link Timeline}'s heap, or -1 when not scheduled. */
    int slot = -1;

    abstract void fire(Simulation sim);
}
