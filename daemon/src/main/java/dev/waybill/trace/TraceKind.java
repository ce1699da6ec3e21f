package dev.waybill.trace;

import java.util.Locale;

/** What one step of a route is. The JSON name is the constant in lower case. */
public enum TraceKind {
    /** A forwarder: the address is redirected to its children. Label: the address. */
    FORWARDER,
    /** A domain filter ({@code etc/vfilters/<domain>}) applies first; its child is the route past it. */
    FILTER,
    /** Delivery into a mailbox on this server. Label: the address (or the account name). */
    MAILBOX,
    /** A pipe to a command. Label: the command. */
    PIPE,
    /** Delivery appended to a file. Label: the path. */
    FILE,
    /** An {@code :include:} list; its children are the addresses read from the file. Label: the path. */
    INCLUDE,
    /** {@code :blackhole:}: accepted and thrown away. */
    DISCARD,
    /** A permanent failure: {@code :fail:}, or no such mailbox. Detail: the reason. */
    FAIL,
    /** A temporary failure: {@code :defer:}; Exim keeps the message and retries. */
    DEFER,
    /** Delivery to another server, over SMTP; the children are its mail exchangers. Label: the address. */
    REMOTE,
    /** One mail exchanger of a remote domain. Label: the host name; detail: its priority. */
    MX,
    /** One address of a mail exchanger. Label: the IP address; detail: {@code A} or {@code AAAA}. */
    IP,
    /**
     * An address another route of the same trace already delivers to: Exim delivers one copy
     * (spec 3.11). Router and transport as for that route; no steps follow. Label: the address.
     */
    DUPLICATE,
    /** A local route inside an account the caller may not see. Label: the address only. */
    HIDDEN,
    /** The trace itself could not go on: bad input, a loop limit, an unreadable file. */
    ERROR;

    /** The name used in JSON and in the CLI. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
