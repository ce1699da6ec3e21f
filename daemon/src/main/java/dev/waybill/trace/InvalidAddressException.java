package dev.waybill.trace;

/** An address that cannot be traced, with a message saying why in words a user understands. */
public final class InvalidAddressException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    InvalidAddressException(String message) {
        super(message);
    }
}
