package dev.waybill.trace;

/**
 * Looks up DNS records for a trace. Implementations report every failure (NXDOMAIN, SERVFAIL,
 * timeouts) as a {@link DnsAnswer} and never throw for them. Must be safe to call from several
 * threads. {@link JndiMxResolver} is the real one.
 */
public interface MxResolver {

    /**
     * Asks for the records of {@code type} at {@code name}.
     *
     * @param name an absolute host name in ASCII, without the trailing dot
     */
    DnsAnswer lookup(String name, DnsType type);
}
