package dev.waybill.trace;

/**
 * The router and transport names of cPanel's Exim configuration, as its logs and {@code exim -bt}
 * show them. Forwarders take two routers: {@code virtual_aliases_nostar} for an address's own
 * line before mailboxes are looked at, {@code virtual_aliases} for the domain's {@code *} default
 * after them, so that a mailbox wins over the default address.
 */
final class Routers {

    static final String DOMAIN_FILTER = "central_filter";
    static final String FORWARDER = "virtual_aliases_nostar";
    static final String DEFAULT_ADDRESS = "virtual_aliases";
    static final String MAILBOX = "virtual_user";
    static final String MAILBOX_TRANSPORT = "dovecot_virtual_delivery";
    /** An account's own (system user) mailbox, reached by a bare user name such as {@code *: exampleco}. */
    static final String ACCOUNT = "localuser";
    static final String ACCOUNT_TRANSPORT = "dovecot_delivery";
    static final String PIPE_TRANSPORT = "virtual_address_pipe";
    static final String FILE_TRANSPORT = "address_file";
    static final String REMOTE = "lookuphost";
    static final String REMOTE_TRANSPORT = "remote_smtp";
    /** Taken instead when the sender's domain has a DKIM key, so the message is signed. */
    static final String DKIM_REMOTE = "dkim_lookuphost";
    static final String DKIM_REMOTE_TRANSPORT = "dkim_remote_smtp";

    private Routers() {
    }
}
