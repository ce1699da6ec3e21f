package dev.waybill.server;

/**
 * One method of the protocol. {@code scope} is what the caller may see, already decided from the
 * kernel's identity of the connection and the request's {@code as}/{@code email}: every query a
 * method makes is limited by it, and nothing is returned before it is applied.
 *
 * <p>Methods registered with {@link MethodRegistry#register} run on a bounded pool of worker
 * threads and may block (database calls); those registered with
 * {@link MethodRegistry#registerNonBlocking} run on the network thread and must not.
 */
@FunctionalInterface
public interface Method {

    /**
     * Answers {@code request} through {@code reply}, or throws.
     *
     * @throws RequestException to answer with that error
     */
    void call(Request request, Scope scope, Reply reply) throws RequestException;
}
