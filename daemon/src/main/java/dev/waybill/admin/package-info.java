/**
 * The embedded admin page, for servers without cPanel: a small HTTP/1.1 listener inside the
 * daemon, on a loopback address only ({@code admin.listen}), that serves the views of the WHM
 * page with root's scope. The views themselves are {@link dev.waybill.render.Pages}, the same
 * code the socket's {@code render} method runs; this package only adds HTTP, the token
 * ({@link dev.waybill.admin.AdminToken}) and the security headers.
 *
 * <p>Pipeline, in order: the connection limit, an idle timeout, Netty's HTTP codec with bounded
 * line and header sizes, {@link dev.waybill.admin.AdminHandler} (a deadline for the request's
 * headers, method, host, token, view; the views run on a small worker pool, never on the event
 * loop), and one last handler that logs and closes. One request per connection.
 */
package dev.waybill.admin;
