package dev.waybill.diagnosis;

import java.util.Locale;

/**
 * What went wrong with a delivery, as a stable machine name ({@link #label()}) with the cause and
 * the fix in words a hosting customer understands.
 *
 * <p>Each code has two wordings: one for a <em>delivery</em> (this server tried to deliver, and a
 * remote server or this one said no: failures and deferrals) and one for a <em>rejection</em>
 * (this server refused a message offered to it over SMTP). Where the two would say the same, the
 * rejection wording is the delivery one. Every text is fixed: nothing from a log line or a remote
 * reply ever goes into it.
 */
public enum DiagnosisCode {

    // Addressing -------------------------------------------------------------------------------

    NO_SUCH_USER(Transience.PERMANENT,
            "The receiving server says this email address does not exist.",
            "Check the address for typing mistakes and ask the recipient for the right one; sending "
                    + "again to the same address will fail the same way.",
            "The message was refused because the address it was sent to does not exist on this server.",
            "If the address should exist, create it in cPanel's Email Accounts or add it in Forwarders; "
                    + "otherwise the sender has the wrong address."),

    MAILBOX_DISABLED(Transience.AS_REPORTED,
            "The recipient's mailbox exists but has been disabled or suspended by their provider.",
            "Reach the recipient another way: they must reactivate the account or give you a new address.",
            "The message was refused because the recipient's mailbox on this server is suspended or "
                    + "not accepting mail.",
            "Check the account in cPanel's Email Accounts (incoming mail may be suspended), or ask your "
                    + "hosting provider why it is suspended."),

    MAILBOX_FULL(Transience.AS_REPORTED,
            "The recipient's mailbox at their provider is full.",
            "The recipient must delete mail or get more space. Tell them another way, and send the "
                    + "message again later if it bounced.",
            null, null),

    LOCAL_QUOTA(Transience.AS_REPORTED,
            "The mailbox on this server is full: it has reached its quota.",
            "Delete old mail (cPanel's Email Disk Usage helps) or raise the mailbox quota in Email "
                    + "Accounts; mail still waiting in the queue is delivered on the next try.",
            "The message was refused because the recipient's mailbox on this server is full.",
            "Delete old mail (cPanel's Email Disk Usage helps) or raise the mailbox quota in Email "
                    + "Accounts; the sender has to send the message again."),

    TOO_LARGE(Transience.PERMANENT,
            "The message is larger than the receiving server accepts.",
            "Share large files through a download link instead of attaching them, or spread the "
                    + "attachments over several messages.",
            "The message was refused because it is larger than this server accepts.",
            "Ask the sender to share large files through a download link; your hosting provider sets "
                    + "the largest size this server accepts."),

    UNROUTEABLE_DOMAIN(Transience.AS_REPORTED,
            "The recipient's domain cannot receive email: it does not exist, or its DNS names no mail "
                    + "server (no MX or address record).",
            "Check the spelling of the part after the @. If the domain is yours, check its MX records "
                    + "in cPanel's Zone Editor.",
            "The message was refused because the domain of the address has no mail server this server "
                    + "can find.",
            "If the domain is yours and hosted here, check cPanel's Email Routing, and that the address "
                    + "exists in Email Accounts or Forwarders."),

    MX_POINTS_HERE(Transience.PERMANENT,
            "The domain's MX record points to this server, but this server is not set to receive its "
                    + "mail, so the message would go round in a loop.",
            "In cPanel's Email Routing choose Local Mail Exchanger if the domain's mail should arrive "
                    + "here; otherwise point the MX record at the real mail server in Zone Editor.",
            null, null),

    DNS_FAILURE(Transience.AS_REPORTED,
            "Looking up the recipient's domain in DNS failed or timed out, so its mail server could not "
                    + "be found for now.",
            "Usually passing: a deferred message is tried again by itself. If it keeps happening or the "
                    + "message bounced, the domain's DNS servers are broken and its owner must fix them.",
            "A DNS lookup this server needed to check the message failed, so it asked the sender to try "
                    + "again later.",
            "Nothing to do: the sending server tries again. If it keeps happening, tell your hosting "
                    + "provider."),

    // Reaching the other server ----------------------------------------------------------------

    CONNECTION_REFUSED(Transience.TEMPORARY,
            "The receiving mail server refused the connection or could not be reached: it is down, or "
                    + "does not accept mail on the network.",
            "A deferred message is tried again for several days. If it lasts more than a day or the "
                    + "message bounced, tell the recipient their mail server is not accepting connections.",
            "This server could not reach a server it needed to check the message with, so it asked the "
                    + "sender to try again later.",
            "Nothing to do: the sending server tries again. If it keeps happening, tell your hosting "
                    + "provider."),

    CONNECTION_TIMEOUT(Transience.TEMPORARY,
            "The receiving mail server did not answer in time: the connection or one of its replies "
                    + "timed out.",
            "A deferred message is tried again for several days. If it never gets through, a firewall "
                    + "may block it; ask your hosting provider to check outgoing connections on port 25.",
            "A server this server needed to check the message with did not answer in time, so it asked "
                    + "the sender to try again later.",
            "Nothing to do: the sending server tries again. If it keeps happening, tell your hosting "
                    + "provider."),

    CONNECTION_LOST(Transience.TEMPORARY,
            "The receiving mail server closed the connection in the middle of the delivery.",
            "Usually passing: a deferred message is tried again by itself. If it keeps happening, the "
                    + "receiving server may be quietly refusing this one; reach the recipient another way.",
            "The connection was lost while the message was being received.",
            "Nothing to do: the sending server tries again."),

    TLS(Transience.AS_REPORTED,
            "The encrypted connection (TLS) to the receiving server could not be set up: a certificate "
                    + "or encryption problem.",
            "This is usually on the receiving side: tell the recipient their mail server's certificate "
                    + "or encryption settings are broken. If it happens with many domains, ask your "
                    + "hosting provider to check this server's TLS settings.",
            "The message was refused because the connection did not meet this server's encryption "
                    + "(TLS) requirements.",
            "If it came from your own mail app, turn on SSL/TLS for outgoing mail (port 465, or 587 "
                    + "with STARTTLS); otherwise the sending server must support encryption."),

    AUTH_FAILURE(Transience.PERMANENT,
            "The server this mail is relayed through refused the login (user name or password).",
            "Correct the relay's user name and password; for a relay the whole server uses, tell your "
                    + "hosting provider.",
            "The message was refused because the sender did not log in, or the login failed.",
            "In your mail app, turn on authentication for the outgoing server and use the full email "
                    + "address and its password from cPanel's Email Accounts."),

    RELAY_DENIED(Transience.PERMANENT,
            "The receiving server does not accept mail for this domain; the domain's MX records "
                    + "probably point to a server that does not host it.",
            "Check the address. If the domain is yours, make its MX records point to the right server "
                    + "(cPanel's Zone Editor and Email Routing).",
            "This server refused to pass the message on to another domain because the sender had not "
                    + "logged in.",
            "If it was you, turn on authentication for the outgoing server in your mail app, with your "
                    + "full email address and its password. Otherwise someone tried to misuse the "
                    + "server and nothing needs doing."),

    SENDER_VERIFY(Transience.AS_REPORTED,
            "The receiving server could not verify the sender address: it does not seem to exist, or "
                    + "its domain cannot receive mail.",
            "Send from an address that exists and can receive replies, and check that its domain has "
                    + "working MX records (cPanel's Email Routing and Zone Editor).",
            "The message was refused because its sender address could not be verified: it does not "
                    + "exist, or its domain cannot receive mail.",
            "The sender must use a working address. If you need their mail anyway, ask your hosting "
                    + "provider about an exception."),

    BAD_HELO(Transience.PERMANENT,
            "The receiving server rejected the name this server introduced itself with (HELO), which "
                    + "must be a real, fully qualified host name.",
            "Ask your hosting provider to give the server a fully qualified host name that resolves in "
                    + "DNS.",
            "The sending server introduced itself with an invalid name (HELO), which is typical of spam "
                    + "software, so the message was refused.",
            "Nothing to do unless you expected this mail; then the sender's administrator must fix "
                    + "their server's host name."),

    REVERSE_DNS(Transience.AS_REPORTED,
            "The receiving server refuses mail from servers whose IP address has no matching reverse "
                    + "DNS (PTR) name.",
            "Ask your hosting provider to set a reverse DNS (PTR) record for the server's IP address "
                    + "that matches its host name.",
            "The sending server's IP address has no valid reverse DNS name, so the message was refused.",
            "Nothing to do unless you expected this mail; then the sender's provider must set a reverse "
                    + "DNS (PTR) record."),

    // Proving who sent it ----------------------------------------------------------------------

    SPF(Transience.AS_REPORTED,
            "The receiving server could not confirm that this server may send mail for your domain "
                    + "(the SPF check failed).",
            "Add this server to your domain's SPF record: repair it on cPanel's Email Deliverability "
                    + "page, or wherever your domain's DNS is hosted.",
            "The sender's domain publishes an SPF record that does not allow the server that sent "
                    + "this message, so it was refused.",
            "The sender must add their sending server to their domain's SPF record. If the mail was "
                    + "forwarded to you, the forwarding service must rewrite the sender (SRS)."),

    DKIM(Transience.AS_REPORTED,
            "The receiving server could not verify the message's DKIM signature, which proves it comes "
                    + "unaltered from your domain.",
            "Install or repair the DKIM record on cPanel's Email Deliverability page; if your domain's "
                    + "DNS is hosted elsewhere, publish the key there.",
            "The message's DKIM signature did not verify, so this server refused it.",
            "Nothing to do unless you expected this mail; then the sender must fix DKIM signing for "
                    + "their domain."),

    DMARC(Transience.AS_REPORTED,
            "The sender domain's DMARC policy asks servers to refuse mail that fails SPF and DKIM "
                    + "checks, and this message failed them.",
            "Repair SPF and DKIM for the domain on cPanel's Email Deliverability page, and send from an "
                    + "address of that same domain.",
            "The sender's domain has a DMARC policy asking to refuse mail that fails its checks, and "
                    + "this message failed them.",
            "Nothing to do unless you expected this mail; then the sender must set up SPF and DKIM "
                    + "correctly for their domain."),

    UNAUTHENTICATED(Transience.AS_REPORTED,
            "The receiving server requires proof that the mail really comes from your domain (SPF or "
                    + "DKIM), and the message had none that passed.",
            "Set up both SPF and DKIM for your domain on cPanel's Email Deliverability page, then send "
                    + "again.",
            "The message was refused because nothing proved it came from the domain it claims (no "
                    + "passing SPF or DKIM).",
            "Nothing to do unless you expected this mail; then the sender must set up SPF and DKIM."),

    // Reputation and content -------------------------------------------------------------------

    BLOCKLISTED_IP(Transience.AS_REPORTED,
            "The receiving server refuses mail from this server's IP address, because the address is "
                    + "on a blocklist or has a poor reputation.",
            "Tell your hosting provider: they must find why the address was listed (often a hacked "
                    + "account or script sending spam), stop it and ask for delisting. Sending again "
                    + "does not help until then.",
            "The sending server's IP address is on a blocklist this server checks, so its message was "
                    + "refused.",
            "Nothing to do unless you expected this mail; then the sender must get their server "
                    + "delisted, or your hosting provider can allow that sender."),

    BLOCKLISTED_DOMAIN(Transience.AS_REPORTED,
            "A domain in the message, in the sender address or in a link, is on a domain blocklist the "
                    + "receiving server checks.",
            "Remove links to the listed domain (link shorteners too), and check whether your own domain "
                    + "is listed on the blocklist's site; ask for delisting once the cause is fixed.",
            "The message names a domain that is on a domain blocklist, so this server refused it.",
            "Nothing to do unless you expected this mail; then the sender must remove the listed links "
                    + "or get the domain delisted."),

    SPAM_CONTENT(Transience.AS_REPORTED,
            "The receiving server's spam filter judged the message to be spam.",
            "Write a plain, personal message without link shorteners, many links or only images, make "
                    + "sure SPF and DKIM pass (cPanel's Email Deliverability), and ask the recipient to "
                    + "add you to their safe senders.",
            "This server's spam filter judged the message to be spam and refused it.",
            "If it was wanted mail, raise the spam threshold or allow the sender in cPanel's Spam "
                    + "Filters."),

    VIRUS(Transience.PERMANENT,
            "The receiving server found a virus or a dangerous attachment (such as a program or a "
                    + "document with macros) in the message.",
            "Scan your computer for malware, and share such files through a download link instead of "
                    + "attaching them.",
            "This server found a virus or a dangerous attachment in the message and refused it.",
            "Nothing to do; if the file was wanted, ask the sender to share it another way."),

    POLICY(Transience.AS_REPORTED,
            "The receiving server refused the message under one of its own rules; its reply gives the "
                    + "reason.",
            "Read the server's reply in the message: it often names the rule or a web page that "
                    + "explains it. If it is unclear, reach the recipient another way and ask their "
                    + "mail administrator.",
            "This server refused the message under one of its rules.",
            "If the mail was wanted, ask your hosting provider which rule refused it, giving the time "
                    + "and the sender."),

    GREYLISTED(Transience.TEMPORARY,
            "The receiving server uses greylisting: it turns away the first attempt from an unknown "
                    + "sender and accepts a retry some minutes later.",
            "Nothing to do: this server tries again by itself, and the message is normally delivered "
                    + "within the hour.",
            "This server's greylisting turned away the first attempt; a real mail server tries again "
                    + "and gets through.",
            "Nothing to do. If wanted mail keeps arriving late, adjust greylisting on cPanel's "
                    + "Configure Greylisting page."),

    RATE_LIMITED(Transience.TEMPORARY,
            "The receiving server is limiting how much mail it takes from this server right now (too "
                    + "many messages, recipients or connections).",
            "A deferred message is tried again later by itself. If it happens often, send fewer "
                    + "messages at once, and only to people who want them, as complaints lower the limit.",
            "This server is limiting how much mail it takes from the sending server right now.",
            "Nothing to do: the sending server tries again later."),

    SEND_LIMIT(Transience.AS_REPORTED,
            "Your domain reached this server's hourly sending limit (too many messages, or too many that "
                    + "bounced or were deferred), so the message was held back or discarded.",
            "Wait for the next hour, and send the message again if it was discarded. Remove addresses "
                    + "that bounce from your lists, or ask your hosting provider to raise the limit.",
            null, null),

    // This server's own setup ------------------------------------------------------------------

    FORWARDER_FAIL(Transience.PERMANENT,
            "A forwarder on this server is set to refuse mail for this address (:fail:) and sent its "
                    + "message back.",
            "If the address should receive mail, change or remove the forwarder in cPanel's Forwarders, "
                    + "or create the mailbox in Email Accounts.",
            "The message was refused because a forwarder on this server is set to refuse mail for this "
                    + "address (:fail:).",
            "If the address should receive mail, change or remove the forwarder in cPanel's Forwarders, "
                    + "or create the mailbox in Email Accounts."),

    FILTER(Transience.PERMANENT,
            "An email filter on this server told it to refuse or bounce the message.",
            "Check the rules in cPanel's Email Filters and Global Email Filters.",
            null, null),

    PIPE_FAILURE(Transience.AS_REPORTED,
            "A forwarder or filter hands this mail to a program (a pipe), and the program failed or "
                    + "could not be run.",
            "Check the program named in cPanel's Forwarders or Email Filters: it must exist, be "
                    + "executable and finish without error; its developer or your hosting provider can "
                    + "look at its errors.",
            null, null),

    MAIL_LOOP(Transience.PERMANENT,
            "The message went round in a loop between forwarders or servers, so it was stopped.",
            "Look in cPanel's Forwarders for addresses that forward to each other, and check Email "
                    + "Routing for the domain: one of them sends the mail back where it came from.",
            null, null),

    MALFORMED_MESSAGE(Transience.PERMANENT,
            "The message is not correctly formed: an address in its headers is invalid, a required "
                    + "header is missing, or its lines are too long.",
            "Check the From, To and Cc addresses. If a website or script sent the message, its "
                    + "developer must fix how it builds messages.",
            "The message was refused because it is not correctly formed (an invalid header or "
                    + "address).",
            "Nothing to do unless you expected this mail; then the sender must fix the program that "
                    + "sends it."),

    SERVER_CONFIG(Transience.AS_REPORTED,
            "A problem in this server's own mail configuration stopped the delivery.",
            "Tell your hosting provider, giving the message ID and the time shown here.",
            "A problem in this server's own mail configuration made it refuse the message.",
            "Tell your hosting provider, giving the time and the sender shown here."),

    // The queue --------------------------------------------------------------------------------

    QUEUED(Transience.TEMPORARY,
            "The message is waiting in the queue: this server chose to deliver it in a later run.",
            "Nothing to do: it is delivered on the next queue run.",
            null, null),

    RETRY_WAIT(Transience.TEMPORARY,
            "Earlier attempts to this destination failed, so this server is waiting before it tries "
                    + "again.",
            "A deferred message is tried again on the server's schedule. The earlier attempts of this "
                    + "message show the original problem.",
            null, null),

    RETRY_TIMEOUT(Transience.PERMANENT,
            "The server kept trying for days without success, and then gave up.",
            "Look at the earlier attempts of this message for the original problem (often the "
                    + "recipient's server being unreachable), get it fixed, and send the message again.",
            null, null),

    FROZEN(Transience.AS_REPORTED,
            "The message is frozen in the mail queue: the server stopped trying, usually because a "
                    + "bounce could not be delivered.",
            "Frozen bounces are usually harmless and cleaned up automatically. Otherwise ask your "
                    + "hosting provider to look at it in WHM's Mail Queue Manager.",
            null, null),

    REMOVED_BY_ADMIN(Transience.PERMANENT,
            "The message was removed from the mail queue, by an administrator or an automatic cleanup, "
                    + "before it could be delivered.",
            "Send it again if it is still needed; the last error shown in the message tells why it was "
                    + "stuck.",
            null, null),

    // Nothing recognised -----------------------------------------------------------------------

    /** Nothing recognised; the wording depends on whether the error was temporary. */
    UNKNOWN(Transience.AS_REPORTED,
            "The delivery failed for a reason Waybill does not recognise; the server's reply is shown "
                    + "in the message.",
            "Read the reply for the reason. If it is unclear, reach the recipient another way or ask "
                    + "your hosting provider, giving the message ID.",
            "This server refused the message for a reason Waybill does not recognise; it is shown in "
                    + "the message.",
            "If the mail was wanted, ask your hosting provider, giving the time and the sender.");

    /** {@link #UNKNOWN}'s wording for a deferral: the server is still trying. */
    static final String UNKNOWN_TEMPORARY_CAUSE =
            "The delivery failed for now, for a reason Waybill does not recognise; the server's reply "
                    + "is shown in the message.";
    static final String UNKNOWN_TEMPORARY_FIX =
            "Nothing to do yet: the server keeps trying for several days. If it never gets through, "
                    + "read the reply in the message or ask your hosting provider, giving the message ID.";

    /** Whether a problem of this kind passes by itself. */
    enum Transience {
        /** Passes by itself; a later attempt may succeed unchanged. */
        TEMPORARY,
        /** Someone has to change something first. */
        PERMANENT,
        /** As the error said: a 4xx reply or a deferral is temporary, the rest permanent. */
        AS_REPORTED
    }

    private final String label = name().toLowerCase(Locale.ROOT);
    private final Transience transience;
    private final String deliveryCause;
    private final String deliveryFix;
    private final String rejectionCause;
    private final String rejectionFix;

    DiagnosisCode(Transience transience, String deliveryCause, String deliveryFix, String rejectionCause,
                  String rejectionFix) {
        this.transience = transience;
        this.deliveryCause = deliveryCause;
        this.deliveryFix = deliveryFix;
        this.rejectionCause = rejectionCause != null ? rejectionCause : deliveryCause;
        this.rejectionFix = rejectionFix != null ? rejectionFix : deliveryFix;
    }

    /** The stable machine name used in JSON and the CLI, e.g. {@code no_such_user}. */
    public String label() {
        return label;
    }

    Transience transience() {
        return transience;
    }

    /** The cause, for a delivery (this server tried) or a rejection (this server refused). */
    String cause(boolean rejection) {
        return rejection ? rejectionCause : deliveryCause;
    }

    /** The fix, for a delivery or a rejection. */
    String fix(boolean rejection) {
        return rejection ? rejectionFix : deliveryFix;
    }
}
