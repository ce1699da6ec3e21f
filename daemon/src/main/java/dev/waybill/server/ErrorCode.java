package dev.waybill.server;

import java.util.Locale;

/** The error codes of the protocol; on the wire in lower case ({@code bad_request}). */
public enum ErrorCode {
    /** The request is malformed: not JSON, no method, a parameter of the wrong type or range. */
    BAD_REQUEST,
    /** The caller may not do this (an unknown uid, a non-root {@code as}, an address not theirs). */
    FORBIDDEN,
    /** The method, message or view asked for does not exist. */
    NOT_FOUND,
    /** The request line is longer than the limit. */
    TOO_LARGE,
    /** The daemon cannot answer now (overloaded, database down, too many connections). */
    UNAVAILABLE,
    /** A bug or an unexpected failure in the daemon; the log has the details. */
    INTERNAL;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The code as it appears in replies. */
    public String wire() {
        return wire;
    }
}
