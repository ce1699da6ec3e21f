package dev.waybill.sample;

/**
 * One final destination of a message: what one {@code =>}, {@code ->}, {@code ==} or
 * {@code **} line is about. A recipient expands to several legs when a forwarder has several
 * destinations.
 */
final class Leg {

    enum Kind {
        /** A mailbox on this server, delivered by {@code virtual_user}/{@code dovecot_virtual_delivery}. */
        LOCAL,
        /** Another server, delivered by {@code dkim_lookuphost}/{@code dkim_remote_smtp}. */
        REMOTE,
        /** A {@code :blackhole:} forwarder or catch-all. */
        BLACKHOLE,
        /** A {@code :fail:} catch-all: the local part does not exist. */
        FAIL_ALIAS,
        /** A domain that does not resolve. */
        UNROUTEABLE
    }

    final Kind kind;
    /** The recipient as the sender addressed it (Exim's "top" address). */
    final String top;
    /** Forwarders passed through, nearest first, or null. */
    final String parents;
    /** The address delivered to: the mailbox's local part for LOCAL, else the full address. */
    final String target;
    /** LOCAL: the mailbox's full address (dovecot quotes it in its reply). */
    final String mailbox;
    final RemoteWorld.RemoteDomain dest;
    final HostingServer.Domain domain;

    /** The remote server does not know this recipient. */
    boolean userUnknown;
    /** The remote server refuses the message as spam (forwarded junk). */
    boolean spamRejected;
    /** The local mailbox is over quota. */
    boolean overQuota;

    boolean done;
    /** Done because it failed ({@code **}), as opposed to delivered. */
    boolean failed;
    /** Temporary failures so far: a greylisted or rate-limited leg passes on its next attempt. */
    int deferrals;
    /** When the first connection timeout happened (retry rules count from it), or 0. */
    long firstTimeoutMillis;
    /** When the retry rule next allows a real connection attempt. */
    long nextTryMillis;
    /** Attempts a FLAKY host times out before it answers. */
    int timeoutsLeft;

    private Leg(Kind kind, String top, String parents, String target, String mailbox,
            RemoteWorld.RemoteDomain dest, HostingServer.Domain domain) {
        this.kind = kind;
        this.top = top;
        this.parents = parents;
        this.target = target;
        this.mailbox = mailbox;
        this.dest = dest;
        this.domain = domain;
    }

    static Leg local(String top, String parents, String localPart, HostingServer.Domain d) {
        return new Leg(Kind.LOCAL, top, parents, localPart, localPart + "@" + d.name, null, d);
    }

    static Leg remote(String top, String parents, String address, RemoteWorld.RemoteDomain d) {
        Kind kind = d.health == RemoteWorld.Health.UNROUTEABLE ? Kind.UNROUTEABLE : Kind.REMOTE;
        return new Leg(kind, top, parents, address, null, d, null);
    }

    static Leg blackhole(String top, String parents) {
        return new Leg(Kind.BLACKHOLE, top, parents, ":blackhole:", null, null, null);
    }

    static Leg failAlias(String top, String parents) {
        return new Leg(Kind.FAIL_ALIAS, top, parents, top, null, null, null);
    }

    /**
     * Writes the address part of a delivery line as Exim's {@code +all_parents} shows it:
     * {@code target (parent, ...) <top>}, the parts in brackets only when they differ from the
     * target.
     */
    void writeAddress(LogWriter w) {
        w.append(target);
        if (parents != null) {
            w.append(" (").append(parents).append(')');
        }
        if (!top.equals(target)) {
            w.append(" <").append(top).append('>');
        }
    }

    /** Same as {@link #writeAddress} but with the full address for local mailboxes. */
    void writeFullAddress(LogWriter w) {
        String t = mailbox != null ? mailbox : target;
        w.append(t);
        if (parents != null) {
            w.append(" (").append(parents).append(')');
        }
        if (!top.equals(t)) {
            w.append(" <").append(top).append('>');
        }
    }
}
