package dev.waybill.query;

/** The caller asked for something outside its scope. The message says what, never whose. */
public final class ForbiddenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ForbiddenException(String message) {
        super(message);
    }
}
