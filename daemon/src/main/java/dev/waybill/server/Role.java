package dev.waybill.server;

import java.util.Locale;

/** Whose rights a request runs with; on the wire in lower case. */
public enum Role {
    /** Root (uid 0, acting as nobody else): every account. */
    ROOT,
    /** A WHM reseller (root acting {@code "as"} it): its own accounts and itself. */
    RESELLER,
    /** A cPanel account (its own uid): that account only. */
    USER;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
