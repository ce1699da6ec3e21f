package dev.waybill.server;

/**
 * The caller of one request: the kernel's identity of the connection, the system user name of
 * its uid (null when the uid has none), and whose rights apply ({@code principal}: {@code root},
 * the reseller root acts as, or the cPanel account).
 */
public record Caller(PeerIdentity peer, String userName, Role role, String principal) {
}
