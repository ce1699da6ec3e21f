package dev.waybill.diagnosis;

import java.util.List;

/**
 * The phrases that identify a problem in a reason text, in the order they are tried: the first
 * rule with a phrase found in the lower-cased text wins. More specific rules come first, because
 * real replies mix words ("blocked because the sender is unauthenticated ... SPF or DKIM").
 *
 * <p>{@link #STRONG} rules are tried before the enhanced status code, {@link #WEAK} ones (a bare
 * "rejected" or "denied") only when the status code did not tell either. Every phrase is
 * lower case; matching is a plain substring search, which costs time linear in the (bounded)
 * text and cannot be made to backtrack by a hostile reply.
 */
final class ReplyRules {

    /** When a rule applies, by what the error itself said about retrying. */
    enum When {
        ANY,
        /** Only a 4xx reply, a deferral or a temporary rejection. */
        TEMPORARY,
        /** Only a 5xx reply, a failure or a rejection. */
        PERMANENT,
        /**
         * Only in this server's own words: not when the text quotes a remote server's reply, where
         * "internal error" or "configuration error" is that server's trouble, not this one's.
         */
        OWN_WORDS
    }

    /** One line of the table. */
    record Rule(DiagnosisCode code, When when, List<String> phrases) {

        /**
         * The first of {@code rules} that matches {@code lower}, or null; {@code remoteReply} says the
         * text quotes a remote server's reply.
         */
        static DiagnosisCode first(List<Rule> rules, String lower, boolean temporary, boolean remoteReply) {
            for (Rule r : rules) {
                if (r.when == When.TEMPORARY && !temporary || r.when == When.PERMANENT && temporary
                        || r.when == When.OWN_WORDS && remoteReply) {
                    continue;
                }
                for (String p : r.phrases) {
                    if (lower.contains(p)) {
                        return r.code;
                    }
                }
            }
            return null;
        }
    }

    private static Rule rule(DiagnosisCode code, String... phrases) {
        return new Rule(code, When.ANY, List.of(phrases));
    }

    private static Rule rule(DiagnosisCode code, When when, String... phrases) {
        return new Rule(code, when, List.of(phrases));
    }

    static final List<Rule> STRONG = List.of(
            // cPanel's hourly limits (enforce_mail_permissions).
            rule(DiagnosisCode.SEND_LIMIT, "max emails per hour", "max defers and failures per hour",
                    "exceeded the max emails", "email notify limit"),
            // Exim's retry logic: what it says about itself, before any remote words it quotes.
            rule(DiagnosisCode.RETRY_TIMEOUT, "retry timeout exceeded", "have been failing for a long time",
                    "delivery time expired", "message has been in the queue too long"),
            rule(DiagnosisCode.RETRY_WAIT, "retry time not reached", "retry time not yet reached"),
            rule(DiagnosisCode.QUEUED, "explicitly queued", "first-pass only routing", "domain is held",
                    "is in queue_domains"),
            // The last four are Exim's words for an ACL that uses a condition or control where it
            // cannot work, which may name a blocklist ("dnslists") without one being involved.
            rule(DiagnosisCode.SERVER_CONFIG, When.OWN_WORDS, "failed to expand", "expansion of", "tainted",
                    "outside the home directory", "transport unset", "is unset", "never_users",
                    "is not defined for", "acl error", "unknown acl", "invalid integer",
                    "at start of acl condition", "in acl for", "condition in ", "cannot use \"control="),
            // A forwarder or filter that pipes to a program; Exim's words, not a remote server's.
            rule(DiagnosisCode.PIPE_FAILURE, "child process of", "pipe delivery process", "unable to execute command",
                    "transport filter", "command not found", "unable to exec", "address_pipe",
                    "while opening named pipe"),
            rule(DiagnosisCode.FILTER, "filter fail", "failed in filter file", "this filter failed",
                    "error in filter file", "filter autoreply"),
            rule(DiagnosisCode.MX_POINTS_HERE, "mx record points to local host", "remote host address is the local host",
                    "to be local", "points to this host"),
            rule(DiagnosisCode.MAIL_LOOP, "too many \"received\" headers", "mail loop", "loops back to",
                    "routing loop", "loop detected", "mail forwarding loop", "hop count exceeded"),
            // The last phrase is greylistd's, as its Exim configuration words it, without the word.
            rule(DiagnosisCode.GREYLISTED, "greylist", "graylist", "grey list", "gray list", "postgrey",
                    "grey-list", "gray-list", "is not yet authorized to deliver mail"),
            rule(DiagnosisCode.NO_SUCH_USER, "domino directory"),
            // Exim's last line when a sender callout failed, whatever answer to the callout it quotes
            // above: a blocklisting there refused the callout to the sender's server, not this mail.
            rule(DiagnosisCode.SENDER_VERIFY, "sender verify failed"),
            // cPanel's reply to a failed callout lists every possible cause, a blocklisting among them;
            // the usual one, and the first it names, is an address that does not exist.
            rule(DiagnosisCode.NO_SUCH_USER, "account or domain may not exist"),
            // Yahoo's bracketed codes: TSS09 is a block, the other TS codes are volume deferrals.
            rule(DiagnosisCode.BLOCKLISTED_IP, "[tss09]", "[tss11]", "[bl21]", "[bl22]", "[bl23]"),
            rule(DiagnosisCode.RATE_LIMITED, "[tss0", "[ts0", "[tss1"),
            // Authentication of the domain: DMARC first, then "unauthenticated" (which names SPF and
            // DKIM), then each check on its own.
            rule(DiagnosisCode.DMARC, "dmarc"),
            rule(DiagnosisCode.UNAUTHENTICATED, "unauthenticated", "authenticate with at least one",
                    "authenticate with either spf or dkim", "does not have authentication information",
                    "fails to pass authentication checks", "not authenticated with spf or dkim",
                    "authentication checks (spf or dkim)", "requires all senders to authenticate"),
            rule(DiagnosisCode.SPF, "spf", "sender policy framework"),
            rule(DiagnosisCode.DKIM, "dkim", "domainkeys", "body hash did not verify"),
            // Volume before reputation: "rate limited due to IP reputation" is a rate limit.
            rule(DiagnosisCode.RATE_LIMITED, "rate limit", "ratelimit", "rate-limit", "rate limited",
                    "throttl", "too many messages", "too many connections", "too many concurrent",
                    "too many recipients", "too many emails", "too many mails", "unexpected volume",
                    "sending quota", "receiving mail at a rate", "receiving mail too quickly",
                    "server busy", "has reached its limit", "exceeded the rate", "sending rate",
                    "temporarily deferred", "concurrency limit"),
            rule(DiagnosisCode.RATE_LIMITED, When.TEMPORARY, "unusual rate", "volume of mail", "try again later from"),
            rule(DiagnosisCode.REVERSE_DNS, "reverse dns", "reverse lookup", "reverse hostname", "reverse-dns",
                    "ptr record", "no ptr", "(ptr", " ptr ", "rdns", "cannot find your hostname",
                    "can't find your hostname", "cannot resolve your hostname", "no reverse",
                    "not have a reverse", "forward dns entry does not point"),
            rule(DiagnosisCode.BAD_HELO, "invalid helo", "helo name", "helo command rejected", "bad helo",
                    "helo/ehlo", "ehlo/helo", "no helo", "helo rejected", "fully-qualified hostname",
                    "fully qualified hostname", "need fqdn", "forged helo", "helo hostname"),
            // Domain blocklists before IP ones: "dbl.spamhaus.org" would otherwise read as Spamhaus's
            // IP lists.
            rule(DiagnosisCode.BLOCKLISTED_DOMAIN, "dbl.spamhaus", "reputation of the sending domain",
                    "reputation of the sender domain", "domain reputation", "uribl", "surbl", "ivmuri",
                    "domain is blacklisted", "domain is blocklisted", "domain blocklist", "domain blacklist",
                    "url blacklist", "url blocklist"),
            // "Not listed in" a directory or address book is an unknown recipient, never a listing.
            rule(DiagnosisCode.NO_SUCH_USER, "not listed in"),
            rule(DiagnosisCode.BLOCKLISTED_IP, "spamhaus", "spamcop", "barracuda", "sorbs.net", "uceprotect",
                    "mailspike", "cloudmark", "ipcheck.proofpoint", "senderbase", "talos", "blocklist",
                    "block list", "blacklist", "black list", "dnsbl", "dnslist", "in an rbl", "rbl.",
                    " rbl ", "(rbl", "rbl:", "listed in", "listed at", "listed on", "is listed",
                    "blocked using", "weren't sent", "were not sent", "banned sending ip",
                    "traffic not accepted from this ip", "reputation", "not authorized to send email directly",
                    "dynamic ip", "dynamically-assigned", "dynamically assigned", "dial-up", "dialup",
                    "residential", "originating from your ip", "your ip address has been blocked",
                    "ip address is blocked", "ip blocked", "blocked ip", "poor reputation", "sender ip"),
            // Full mailboxes before sizes: "mailbox size limit exceeded" is a full mailbox. The
            // diagnoser turns this into local_quota when the mailbox is on this server.
            rule(DiagnosisCode.MAILBOX_FULL, "quota", "mailbox full", "mailbox is full", "mailbox size",
                    "inbox is full", "out of storage", "storage space", "exceeded storage",
                    "insufficient storage space", "mailbox would exceed", "not enough space",
                    "user is over", "full mailbox", "mailbox has exceeded", "mailbox exceeds"),
            rule(DiagnosisCode.MALFORMED_MESSAGE, "lines too long", "line too long", "line length",
                    "failing address in", "malformed address", "header syntax", "invalid header",
                    "no valid sender in any header", "bare lf", "bare linefeed", "non-crlf", "rfc 5322",
                    "rfc5322", "rfc 2822", "rfc2822", "message-id", "messageid", "missing header",
                    "duplicate header", "invalid message", "valid address in from", "no from: header"),
            rule(DiagnosisCode.TOO_LARGE, "too big", "too large", "size exceeds", "exceeds size",
                    "exceeds the size", "exceeds fixed", "size limit", "message length exceeds",
                    "size value", "message size", "exceeds the maximum", "exceeded the maximum size",
                    "exceeds maximum size", "maximum message size"),
            rule(DiagnosisCode.VIRUS, "virus", "malware", "infected", "security issue", "potential security",
                    "dangerous", "eicar", "executable", "attachment", "trojan", "phish"),
            rule(DiagnosisCode.FORWARDER_FAIL, "no such person at this address"),
            rule(DiagnosisCode.MAILBOX_DISABLED, "disabled", "suspended", "inactive", "deactivated",
                    "account is locked", "mailbox locked", "no longer active", "account expired",
                    "closed account", "account has been closed", "account is closed", "not active"),
            // Sender checks before the recipient and domain phrases they share ("does not exist",
            // "domain not found").
            rule(DiagnosisCode.SENDER_VERIFY, "sender verify", "sender address rejected", "sender verification",
                    "sender rejected", "sender domain", "domain of sender", "sender address does not exist",
                    "invalid sender", "bad sender", "unverifiable sender", "unroutable sender",
                    "unrouteable sender", "sender address is not", "sender is not valid",
                    "sender address invalid", "return path", "mail from address", "envelope sender",
                    "sender unknown", "unknown sender", "sender not allowed"),
            rule(DiagnosisCode.UNROUTEABLE_DOMAIN, "unrouteable", "unroutable", "domain not found",
                    "domain does not exist", "domain doesn't exist", "no such domain", "host not found",
                    "host or domain name not found", "non-existent host", "nonexistent domain",
                    "non-existent domain", "missing mx", "no mx", "can't route by dns", "nxdomain",
                    "can't route", "cannot route", "no mail server", "domain has no", "does not accept mail", "null mx",
                    "doesn't accept mail"),
            rule(DiagnosisCode.FORWARDER_FAIL, "(:fail:)", ":fail:"),
            rule(DiagnosisCode.DNS_FAILURE, "host lookup did not complete", "dns timeout", "failed to lookup ip",
                    "lookup of host", "servfail", "temporary dns", "dns error", "dns failure",
                    "dns lookup", "name server", "nameserver", "lookup failed", "lookup defer"),
            // Microsoft's directory check answers an unknown recipient "Access denied"; only its status
            // code tells it from a Postfix access table's refusal in the same words.
            rule(DiagnosisCode.NO_SUCH_USER, "5.4.1 recipient address rejected"),
            rule(DiagnosisCode.NO_SUCH_USER, "no such user", "user unknown", "unknown user", "unknown recipient",
                    "recipient unknown", "no such recipient", "no such mailbox", "no such address",
                    "no such account", "mailbox not found", "mailbox unavailable", "mailbox does not exist",
                    "mailbox doesn't exist", "address does not exist", "account does not exist",
                    "does not exist", "doesn't exist", "doesn't have a", "not a valid mailbox",
                    "invalid mailbox", "invalid recipient", "recipient not found", "user not found",
                    "address not found", "addressee unknown", "nosuchuser", "not our customer",
                    "no mailbox here", "unknown address", "as(2018", "recipient cannot be verified",
                    "callout verification failure", "bad recipient", "bad user", "invalid address",
                    "unknown or illegal alias", "not a known user", "no longer available",
                    "address unknown",
                    "no valid recipients", "mailbox is unavailable", "user doesn't have", "unknown local part",
                    "recipient address rejected: user", "not a valid recipient", "no such local user"),
            rule(DiagnosisCode.RELAY_DENIED, "relay not permitted", "relaying not permitted", "relaying denied",
                    "relay access denied", "relay denied", "not permitted to relay", "unable to relay",
                    "we do not relay", "relaying disallowed", "not allowed to relay", "relay not allowed",
                    "no relaying", "relaying prohibited", "relaying mail to", "allowed rcpthosts",
                    "relaying is not", "relay is not", "cannot relay", "can't relay", "relay prohibited"),
            rule(DiagnosisCode.SPAM_CONTENT, "spam", "junk", "unsolicited", "bulk mail", "content rejected",
                    "message content", "suspicious", "content filter", "classified as", "scored",
                    "spam score", "likely to be"),
            rule(DiagnosisCode.TLS, "tls", "ssl", "certificate", "encryption", "encrypt", "dane error",
                    "alpn", "handshake", "cipher"),
            // Microsoft's groups and mailboxes that take mail only from senders of their own
            // organisation say "authentication required" too, but no login would help.
            rule(DiagnosisCode.POLICY, "sendernotauthenticatedfor", "delivery restriction check failed"),
            rule(DiagnosisCode.AUTH_FAILURE, "authentication failed", "authentication required",
                    "authentication attempt", "auth failed", "invalid credentials", "credentials invalid",
                    "authentication credentials", "username and password not accepted", "not authenticated",
                    "must be authenticated", "authentication is required", "login failed",
                    "authentication unsuccessful", "incorrect authentication", "must authenticate"),
            rule(DiagnosisCode.CONNECTION_REFUSED, "connection refused", "network is unreachable",
                    "no route to host", "host is unreachable", "network unreachable", "netwk addr not available",
                    "connection rejected", "service not available"),
            rule(DiagnosisCode.SERVER_CONFIG, When.OWN_WORDS, "lmtp timeout", "expansion failed", "internal error",
                    "permission denied", "is not absolute", "lock file", "failed to stat",
                    "mailbox file format", "failed to lock mailbox", "error in redirect data",
                    "syntax error in redirection data", "configuration error", "no_hosts transport",
                    "forbidden"),
            rule(DiagnosisCode.CONNECTION_TIMEOUT, "timed out", "timeout"),
            rule(DiagnosisCode.CONNECTION_LOST, "closed connection", "connection reset", "broken pipe",
                    "network error", "lost connection", "connection dropped", "unexpected disconnection",
                    "connection closed", "connection was closed", "remote end closed"),
            rule(DiagnosisCode.POLICY, "closed mailing list", "administrative prohibition", "not accept",
                    "policy", "prohibited", "external forwarding"),
            // The receiving server's own passing trouble, whatever its status code (Microsoft's is
            // 4.7.0, a policy code; Postfix checking a recipient with the next server says 4.1.1, an
            // unknown address): nothing more to say than that this server tries again.
            rule(DiagnosisCode.UNKNOWN, When.TEMPORARY, "temporary server error", "temporary system problem",
                    "address verification in progress"));

    /** Generic refusals, tried only when the enhanced status code did not say anything. */
    static final List<Rule> WEAK = List.of(
            rule(DiagnosisCode.POLICY, When.PERMANENT, "access denied", "denied", "blocked", "refused",
                    "rejected", "not allowed", "not permitted", "go away", "unacceptable", "not welcome"));

    private ReplyRules() {
    }
}
