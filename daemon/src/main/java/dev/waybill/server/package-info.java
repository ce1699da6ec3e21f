/**
 * The socket server: the daemon's only door. One JSON object per line over a Unix domain socket
 * (see DESIGN.md, "The socket protocol"); who the caller is comes from the kernel
 * ({@link dev.waybill.server.PeerIdentity}, SO_PEERCRED), what they may see is a
 * {@link dev.waybill.server.Scope}, and every method in the {@link dev.waybill.server.MethodRegistry}
 * receives that scope next to its request.
 *
 * <p>The pipeline, in order: idle timeout, {@link dev.waybill.server.LineFramer} (64 KiB per
 * line), {@link dev.waybill.server.JsonCodec} (shared, stateless), the per-connection
 * {@link dev.waybill.server.Dispatcher} (in-order replies, handlers on a bounded pool, streaming
 * with backpressure), and {@link dev.waybill.server.LastHandler}, which logs with context and
 * closes. {@link dev.waybill.server.SocketServer} puts them together.
 */
package dev.waybill.server;
