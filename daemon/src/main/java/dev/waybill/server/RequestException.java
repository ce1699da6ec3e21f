package dev.waybill.server;

/**
 * A request that ends in an error reply: the code and a message meant for the caller (no stack
 * traces, no internals). Thrown by {@link Method}s and {@link Params}.
 */
public class RequestException extends Exception {

    private final ErrorCode code;

    public RequestException(ErrorCode code, String message) {
        super(message, null, false, false); // an answer, not a crash: no stack trace to fill in
        this.code = code;
    }

    public static RequestException badRequest(String message) {
        return new RequestException(ErrorCode.BAD_REQUEST, message);
    }

    public static RequestException forbidden(String message) {
        return new RequestException(ErrorCode.FORBIDDEN, message);
    }

    public static RequestException notFound(String message) {
        return new RequestException(ErrorCode.NOT_FOUND, message);
    }

    public static RequestException unavailable(String message) {
        return new RequestException(ErrorCode.UNAVAILABLE, message);
    }

    public ErrorCode code() {
        return code;
    }
}
