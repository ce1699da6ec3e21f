package dev.waybill.query;

/** A parameter that cannot be used as given; the message names it and says what is expected. */
public final class BadQueryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadQueryException(String message) {
        super(message);
    }
}
