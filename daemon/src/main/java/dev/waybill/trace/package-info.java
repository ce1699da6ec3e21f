/**
 * The route of an address on this server: what cPanel's "Email Address Trace" shows, built from
 * cPanel's files and the DNS instead of {@code exim -bt}.
 *
 * <p>{@link dev.waybill.trace.AddressTracer} walks the route — domain filter, forwarders
 * (with {@code :fail:}, {@code :defer:}, {@code :blackhole:}, pipes, files, {@code :include:},
 * default addresses and loops), mailboxes, and remote domains' MX hosts — into an immutable tree
 * of {@link dev.waybill.trace.TraceNode}s, hiding the local routes of accounts the caller may not
 * see. {@link dev.waybill.trace.MailAddress} checks the input first, so no file name is ever built
 * from an unchecked domain. DNS goes through {@link dev.waybill.trace.MxResolver}, whose real
 * implementation, {@link dev.waybill.trace.JndiMxResolver}, uses the JDK's DNS client with bounded
 * timeouts; every DNS failure is a step of the tree. {@code TraceNode.toMap()} gives the tree to
 * a JSON writer and {@link dev.waybill.trace.TraceText} to a terminal.
 *
 * <p>Package-private: {@code CpanelMailFiles} (local and remote domain lists, filters, homes,
 * mailboxes, DKIM keys, include files), {@code RemoteRoute} (MX and address lookups for one
 * trace) and {@code Routers} (cPanel's router and transport names).
 */
package dev.waybill.trace;
