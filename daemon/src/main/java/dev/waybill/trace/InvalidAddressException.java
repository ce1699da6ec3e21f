package dev.waybill.trace;

/** An address that cannot be traced, with a message saying why in words a user understands. */
public final class InvalidAddressException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final boolean malformed;

    /** An address the trace does not follow, though Exim may read it (too long, an address literal). */
    InvalidAddressException(String message) {
        this(message, false);
    }

    /**
     * @param malformed true when Exim cannot parse the address either: in a forwarder's list, its
     *     redirect router then defers the whole address ("error in redirect data")
     */
    InvalidAddressException(String message, boolean malformed) {
        super(message);
        this.malformed = malformed;
    }

    /** True when Exim cannot parse the address either. */
    boolean malformed() {
        return malformed;
    }
}
