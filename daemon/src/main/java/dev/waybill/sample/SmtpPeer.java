package dev.waybill.sample;

/**
 * The client end of one SMTP connection as Exim describes it in {@code H=}: reverse DNS name
 * (when there is one), HELO name and address with port ({@code +incoming_port}).
 */
final class SmtpPeer {
    /** Reverse DNS name, or null when the address has none. */
    String rdns;
    String helo;
    int ip;
    int port;

    void set(String rdns, String helo, int ip) {
        this.rdns = rdns;
        this.helo = helo;
        this.ip = ip;
    }

    /**
     * Writes {@code name (helo) [ip]:port}; Exim leaves the HELO name out when it equals the
     * reverse DNS name, and the name out when there is none.
     */
    void writeHost(LogWriter w) {
        if (rdns != null) {
            w.append(rdns).append(' ');
            if (!rdns.equals(helo)) {
                w.append('(').append(helo).append(") ");
            }
        } else {
            w.append('(').append(helo).append(") ");
        }
        writeAddress(w);
    }

    /** Writes {@code [ip]:port}. */
    void writeAddress(LogWriter w) {
        w.append('[').appendIp(ip).append("]:").append(port);
    }
}
