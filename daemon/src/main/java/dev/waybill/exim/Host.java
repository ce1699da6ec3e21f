package dev.waybill.exim;

/**
 * The {@code H=} field: {@code name (helo) [ip]:port*}, every part optional.
 *
 * @param name   the host name Exim found (by DNS, or the MX name on deliveries), or null
 * @param helo   what the client said in HELO/EHLO, or null
 * @param ip     the IP address, or null
 * @param port   the port, or -1 when not logged
 * @param reused true for a trailing {@code *}: the delivery reused a connection already open
 */
public record Host(String name, String helo, String ip, int port, boolean reused) {

    /** What to show for this host: the name, else the HELO text, else the address. */
    public String display() {
        if (name != null) {
            return name;
        }
        return helo != null ? helo : ip;
    }
}
