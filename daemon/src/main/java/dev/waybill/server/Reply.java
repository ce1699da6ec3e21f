package dev.waybill.server;

import com.google.gson.JsonObject;

/**
 * How a {@link Method} answers. A plain method calls {@link #result} once. A streamed method
 * (such as {@code export}) first calls {@link #chunk} any number of times and then
 * {@link #result}; the client reads
 *
 * <pre>
 * {"id":7,"chunk":"msgid,type,...\n1rAbc...,success,...\n"}
 * {"id":7,"chunk":"..."}
 * {"id":7,"result":{"rows":1000000}}
 * </pre>
 *
 * and concatenates the chunks. An error after some chunks ends the stream with an
 * {@code {"id":7,"error":{...}}} line instead of the result. To fail, throw
 * {@link RequestException}; the error reply is written for you.
 */
public interface Reply {

    /**
     * Writes the final result. Called once; the request is then finished.
     *
     * @throws IllegalStateException if a result was already written
     */
    void result(JsonObject result);

    /**
     * Writes one piece of a streamed reply. Blocks while the client's buffers are full, so the
     * producer never runs ahead of the reader by more than the channel's write buffer (about
     * {@link ServerSettings#writeHighWaterMark()} bytes); a few KiB per chunk is a good size.
     * Not available to methods registered as non-blocking.
     *
     * @throws RequestException {@code unavailable} if the client stopped reading for longer than
     *                          {@link ServerSettings#stallTimeout()} or went away: stop producing
     *                          and rethrow
     * @throws IllegalStateException if the result was already written, or on the event loop
     */
    void chunk(String text) throws RequestException;
}
