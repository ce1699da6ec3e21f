package dev.waybill.trace;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.NoPermissionException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS through the JDK's own client (JNDI, {@code com.sun.jndi.dns} in module
 * {@code jdk.naming.dns}). Without a server it asks the system's resolvers, those of
 * {@code /etc/resolv.conf}; tests point it at a server of their own with {@link #forServer}.
 *
 * <p>Each query waits {@code timeout} for the first reply and, JNDI's rule, twice as long for each
 * further attempt; the defaults (2 s, 2 attempts) bound one query to 6 s. Thread-safe: every query
 * opens its own context.
 */
public final class JndiMxResolver implements MxResolver {

    /** How long the first attempt waits. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Attempts per server, the first included. */
    public static final int DEFAULT_ATTEMPTS = 2;

    private final Hashtable<String, String> environment = new Hashtable<>();
    private final String where;

    private JndiMxResolver(String providerUrl, Duration timeout, int attempts) {
        if (timeout.isNegative() || timeout.isZero() || attempts < 1) {
            throw new IllegalArgumentException("DNS timeout must be positive and attempts at least 1, not "
                    + timeout + " and " + attempts);
        }
        environment.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        if (providerUrl != null) {
            environment.put(Context.PROVIDER_URL, providerUrl);
        }
        environment.put("com.sun.jndi.dns.timeout.initial", Long.toString(Math.max(1, timeout.toMillis())));
        environment.put("com.sun.jndi.dns.timeout.retries", Integer.toString(attempts));
        environment.put("com.sun.jndi.dns.recursion", "true");
        this.where = providerUrl == null ? "the system's DNS servers" : providerUrl;
    }

    /** The system's resolvers, with the default timeout and attempts. */
    public static JndiMxResolver system() {
        return new JndiMxResolver(null, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    /** One DNS server, for tests or a chosen resolver. */
    public static JndiMxResolver forServer(InetSocketAddress server, Duration timeout, int attempts) {
        String host = server.getAddress() != null ? server.getAddress().getHostAddress() : server.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return new JndiMxResolver("dns://" + host + ":" + server.getPort() + "/", timeout, attempts);
    }

    @Override
    public DnsAnswer lookup(String name, DnsType type) {
        DirContext context = null;
        try {
            context = new InitialDirContext(environment);
            Attributes attributes = context.getAttributes(name, new String[] {type.name()});
            Attribute attribute = attributes.get(type.name());
            List<String> records = new ArrayList<>();
            if (attribute != null) {
                NamingEnumeration<?> values = attribute.getAll();
                while (values.hasMore()) {
                    String value = String.valueOf(values.next());
                    records.add(type == DnsType.MX ? value : normalizeIp(value));
                }
            }
            return DnsAnswer.of(records);
        } catch (NameNotFoundException e) {
            return DnsAnswer.failure(DnsAnswer.Outcome.NXDOMAIN, name + " does not exist (NXDOMAIN)");
        } catch (ServiceUnavailableException e) {
            return DnsAnswer.failure(DnsAnswer.Outcome.SERVFAIL, "the DNS server failed (SERVFAIL) for "
                    + type + " " + name);
        } catch (NoPermissionException e) {
            return DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "the DNS server refused the query for "
                    + type + " " + name);
        } catch (CommunicationException e) {
            Throwable cause = rootCause(e);
            if (cause instanceof SocketTimeoutException || cause == null) {
                return DnsAnswer.failure(DnsAnswer.Outcome.TIMEOUT, "no answer from " + where + " for "
                        + type + " " + name + " in time");
            }
            if (cause instanceof PortUnreachableException) {
                return DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "no DNS server listens at " + where);
            }
            return DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "cannot reach " + where + ": " + cause);
        } catch (NamingException | RuntimeException e) {
            // JNDI also throws for malformed replies and unusual codes; none may escape a trace.
            return DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "DNS lookup of " + type + " " + name
                    + " failed: " + e.getMessage());
        } finally {
            if (context != null) {
                try {
                    context.close();
                } catch (NamingException e) {
                    // nothing is held open between queries
                }
            }
        }
    }

    private static Throwable rootCause(NamingException e) {
        Throwable cause = e.getRootCause() != null ? e.getRootCause() : e.getCause();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The IP address in its usual text form; JNDI spells IPv6 addresses out in full. */
    private static String normalizeIp(String literal) {
        boolean looksLiteral = literal.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")
                || literal.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
        if (!looksLiteral) {
            return literal; // never hand a name to the system resolver
        }
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            return literal;
        }
    }

    @Override
    public String toString() {
        return "JndiMxResolver[" + where + "]";
    }
}
