package dev.waybill.client;

/** The daemon answered with an error: its code ({@code forbidden}, ...) and message. */
public final class ErrorReply extends Exception {

    private final String code;

    public ErrorReply(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The protocol's error code, such as {@code bad_request} or {@code forbidden}. */
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
