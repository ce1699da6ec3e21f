package dev.waybill.exim;

import dev.waybill.exim.LogEvent.Arrival;
import dev.waybill.exim.LogEvent.Attempt;
import dev.waybill.exim.LogEvent.QueueChange;
import dev.waybill.exim.LogEvent.Rejection;
import dev.waybill.exim.LogEvent.SenderIdentity;
import dev.waybill.exim.LogEvent.SpamVerdict;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Classifies one Exim main-log line and, where it bears on a message's fate, parses it into a
 * {@link LogEvent}.
 *
 * <p>Hand-written over the line's characters: a cursor, {@code startsWith} and {@code indexOf};
 * no regular expressions on the hot path. Never throws for any input: a line it cannot make sense
 * of is {@link LineClass#UNKNOWN}. Not thread-safe (it keeps a cursor and a clock); use one per
 * stream, one file read from its first line: its {@link LogClock} resolves the hour that happens
 * twice when the clocks go back from the lines before.
 *
 * <p>Field meanings follow the Exim specification, chapter "Log files": the same letter means
 * different things on arrival lines ({@code T=} subject, {@code R=} bounced id, {@code P=}
 * protocol) and on delivery lines ({@code T=} transport, {@code R=} router, {@code P=} return
 * path).
 */
public final class LineParser {

    private final LogClock clock;
    private String s;
    private int pos;
    private int n;
    private long internalErrors;
    /** Attempt lines: the address ended in the colon that starts the reason. */
    private boolean pendingMessage;
    /** Attempt lines: the value just read ended in the colon that starts the reason. */
    private boolean sawColon;

    public LineParser(ZoneId zone) {
        this.clock = new LogClock(zone);
    }

    /** Lines on which a field parser failed and that were kept as unknown; zero unless there is a bug. */
    public long internalErrors() {
        return internalErrors;
    }

    /**
     * Reads only the time of a line that comes before where parsing starts (a file read from part
     * way through), so that the times after it are read as a reading of the whole file reads them.
     */
    public void skip(String line) {
        clock.skip(afterNuls(line));
    }

    /** Whether the line's time happens twice (see {@link LogClock#inRepeatedHour}). */
    public boolean inRepeatedHour(String line) {
        return clock.inRepeatedHour(afterNuls(line));
    }

    /**
     * The text of {@code line} after its last NUL byte; all of it when it has none. Exim writes
     * none: a crash leaves a run of them where the file system had not written the log's last
     * blocks, from a block's start (often part way through a line, whose end is lost with them),
     * and the first line Exim appends after restarting follows them with no newline between.
     */
    private static String afterNuls(String line) {
        int nul = line.lastIndexOf('\0');
        return nul < 0 ? line : line.substring(nul + 1);
    }

    /** Parses one line (without its line terminator). */
    public ParsedLine parse(String line) {
        try {
            return parseUnchecked(afterNuls(line));
        } catch (RuntimeException e) {
            // A defect in a field parser must never stop the stream; the line stays countable.
            // The fuzz tests assert this never happens.
            internalErrors++;
            return new ParsedLine(LineClass.UNKNOWN, ParsedLine.NO_TIME, null, null, line);
        }
    }

    private ParsedLine parseUnchecked(String line) {
        s = line;
        n = line.length();
        long time = clock.read(line);
        if (time == ParsedLine.NO_TIME) {
            // Exim starts every entry with a timestamp; a line without one continues the entry
            // before it (multi-line entries), unless it is a log line whose timestamp is broken.
            LineClass c = looksLikeLogLine(line) ? LineClass.UNKNOWN : LineClass.CONTINUATION;
            return new ParsedLine(c, time, null, null, line);
        }
        pos = clock.end();
        // Optional " [pid]" (+pid).
        if (pos + 2 < n && s.charAt(pos) == ' ' && s.charAt(pos + 1) == '[') {
            int close = s.indexOf(']', pos);
            if (close > 0 && allDigits(pos + 2, close)) {
                pos = close + 1;
            }
        }
        if (pos >= n || s.charAt(pos) != ' ') {
            return new ParsedLine(pos >= n ? LineClass.NOTE : LineClass.UNKNOWN, time, null, null, line);
        }
        pos++;
        if (pos >= n) {
            return new ParsedLine(LineClass.NOTE, time, null, null, line); // an empty logwrite
        }
        int idLen = messageIdLength(s, pos);
        if (idLen > 0) {
            String id = s.substring(pos, pos + idLen);
            pos += idLen + 1;
            return messageLine(time, id);
        }
        return sessionLine(time);
    }

    /** A line with a message id after the timestamp. */
    private ParsedLine messageLine(long time, String id) {
        if (pos + 2 < n && s.charAt(pos + 2) == ' ') {
            char a = s.charAt(pos);
            char b = s.charAt(pos + 1);
            AttemptKind kind = null;
            if (a == '<' && b == '=') {
                pos += 3;
                return new ParsedLine(LineClass.ARRIVAL, time, id, arrival(), s);
            } else if (a == '=' && b == '>') {
                kind = AttemptKind.DELIVERED;
            } else if (a == '-' && b == '>') {
                kind = AttemptKind.DELIVERED_MORE;
            } else if (a == '>' && b == '>') {
                kind = AttemptKind.CUTTHROUGH;
            } else if (a == '*' && b == '>') {
                kind = AttemptKind.SUPPRESSED;
            } else if (a == '*' && b == '*') {
                kind = AttemptKind.FAILED;
            } else if (a == '=' && b == '=') {
                kind = AttemptKind.DEFERRED;
            }
            if (kind != null) {
                pos += 3;
                return new ParsedLine(attemptClass(kind), time, id, attempt(kind), s);
            }
        }
        if (at("Completed")) {
            return new ParsedLine(LineClass.COMPLETED, time, id, null, s);
        }
        if (at("H=") || at("[") || at("U=") || at("F=")) {
            return hostLine(time, id);
        }
        if (at("Sender identification ")) {
            return new ParsedLine(LineClass.SENDER_IDENTIFICATION, time, id, senderIdentity(), s);
        }
        if (at("SMTP connection outbound ")) {
            return context(LineClass.OUTBOUND_CONNECTION, time, id);
        }
        if (at("Frozen") || at("Message is frozen")) {
            return new ParsedLine(LineClass.FROZEN, time, id, new QueueChange(LineClass.FROZEN, rest()), s);
        }
        if (at("Unfrozen by")) {
            return new ParsedLine(LineClass.UNFROZEN, time, id, new QueueChange(LineClass.UNFROZEN, rest()), s);
        }
        if (at("removed by") || at("cancelled by") || at("removed (")) {
            return new ParsedLine(LineClass.REMOVED, time, id, new QueueChange(LineClass.REMOVED, rest()), s);
        }
        if (at("SA: ")) {
            SpamVerdict v = saLine();
            return new ParsedLine(LineClass.SPAM_SCORE, time, id, v, s);
        }
        if (at("DKIM:") || at("ARC: ") || at("Authentication-Results:") || at("SPF: ")
                || at("signer: ") || at("DMARC ")) {
            return context(LineClass.AUTHENTICATION_RESULT, time, id);
        }
        if (at("Warning: ") || at("SMTP error from remote mail server") || at("SMTP connection lost")
                || at("SMTP data timeout") || at("SMTP command timeout")) {
            return idWarning(time, id);
        }
        if (at("Spool file is locked") || at("Spool file for ") || at("Spool read error")
                || at("no immediate delivery") || at("retry time not reached") || at("Retry time not yet reached")
                || at("Unknown message") || at("error ignored")
                || at("Unable to ") || at("Message ") || at("timed out")
                || at("Retry rule") || s.indexOf(": error ignored", pos) > 0
                || at("original recipients ignored")) {
            return context(LineClass.QUEUE_NOTE, time, id);
        }
        if (at("Domain ") && s.indexOf(" has exceeded the max ", pos) > 0) {
            return context(LineClass.SEND_LIMIT, time, id);
        }
        if (at("check_mail_permissions ")) {
            return context(LineClass.SEND_LIMIT, time, id);
        }
        if (s.indexOf(" router: skipped", pos) > 0 || at("qualify/rewrite:")) {
            return context(LineClass.WARNING, time, id);
        }
        if (at("malware acl condition") || at("TLS error") || at("TLS session") || at("tls:")
                || at("DANE attempt failed") || s.indexOf("SSL verify error", pos) > 0) {
            return context(at("malware") ? LineClass.WARNING : LineClass.TLS, time, id);
        }
        if (at("lowest numbered MX record points to local host") || at("Error while ")
                || at("Failed to ") || at("failed to ") || at("Tainted ") || at("internal error")) {
            return context(LineClass.ERROR, time, id);
        }
        if (s.indexOf("SpamAssassin as ", pos) >= 0) {
            return spamLine(time, id);
        }
        if (isHostConnectionError()) {
            return context(LineClass.CONNECTION, time, id);
        }
        return context(LineClass.NOTE, time, id);
    }

    /** {@code mx.example.com [2001:db8::1] Network is unreachable}: one host of a delivery failing. */
    private boolean isHostConnectionError() {
        int open = s.indexOf(" [", pos);
        int close = open < 0 ? -1 : s.indexOf("] ", open);
        if (close < 0 || s.indexOf(' ', pos) != open) {
            return false;
        }
        int at = close + 2;
        return s.startsWith("Network is unreachable", at) || s.startsWith("Connection refused", at)
                || s.startsWith("Connection timed out", at) || s.startsWith("No route to host", at)
                || s.startsWith("Connection reset", at);
    }

    /** A line without a message id: SMTP sessions, the daemon, queue runners, rejections. */
    private ParsedLine sessionLine(long time) {
        char c = s.charAt(pos);
        switch (c) {
            case 'S':
                if (at("SMTP connection from") || at("SMTP connection identification")
                        || at("SMTP command timeout") || at("SMTP data timeout") || at("SMTP protocol")
                        || at("SMTP call from") || at("SMTP syntax error") || at("SMTP connection lost")
                        || at("SMTP incoming data timeout") || at("SMTP connections from")) {
                    return context(LineClass.CONNECTION, time, null);
                }
                if (at("SMTP connection outbound ")) {
                    return context(LineClass.OUTBOUND_CONNECTION, time, null);
                }
                if (at("Start queue run") || at("Start '") || at("Start queue")) {
                    return context(LineClass.QUEUE_RUN, time, null);
                }
                if (at("Sender identification")) {
                    return context(LineClass.SENDER_IDENTIFICATION, time, null);
                }
                break;
            case 'E':
                if (at("End queue run") || at("End '")) {
                    return context(LineClass.QUEUE_RUN, time, null);
                }
                if (at("Exim configuration error") || at("Error ")) {
                    return context(LineClass.ERROR, time, null);
                }
                break;
            case 'H':
            case '[':
            case 'U':
            case 'F':
                if (at("H=") || at("[") || at("U=") || at("F=")) {
                    return hostLine(time, null);
                }
                break;
            case 'c':
                if (at("cwd=")) {
                    return context(LineClass.COMMAND, time, null);
                }
                if (at("connection from ") || at("connection count")) {
                    return context(LineClass.CONNECTION, time, null);
                }
                break;
            case 'n':
                if (at("no host name found") || at("no IP address found")) {
                    return context(LineClass.DNS, time, null);
                }
                break;
            case 'e':
                if (at("exim ") && s.indexOf(" daemon ", pos) > 0 || at("exim_")) {
                    return context(LineClass.DAEMON, time, null);
                }
                break;
            case 'p':
                if (at("pid ") || at("process ")) {
                    return context(LineClass.DAEMON, time, null);
                }
                break;
            case 'D':
                if (at("Domain ") && s.indexOf(" has exceeded the max ", pos) > 0) {
                    return context(LineClass.SEND_LIMIT, time, null);
                }
                if (at("DKIM") || at("DMARC")) {
                    return context(LineClass.AUTHENTICATION_RESULT, time, null);
                }
                break;
            case 'T':
                if (at("TLS error") || at("TLS ")) {
                    return context(LineClass.TLS, time, null);
                }
                break;
            case 'W':
                if (at("Warning: ")) {
                    return context(LineClass.WARNING, time, null);
                }
                break;
            case 'u':
                if (at("unexpected disconnection")) {
                    return context(LineClass.CONNECTION, time, null);
                }
                break;
            case 'r':
                if (at("rejected ")) {
                    return hostLine(time, null);
                }
                break;
            case 'd':
                if (at("daemon ")) {
                    return context(LineClass.DAEMON, time, null);
                }
                break;
            case 'l':
                if (at("listening ") || at("lost connection")) {
                    return context(at("listening ") ? LineClass.DAEMON : LineClass.CONNECTION, time, null);
                }
                break;
            default:
                break;
        }
        int af = s.indexOf(" authenticator failed for ", pos);
        if (af > 0 && s.indexOf(' ', pos) == af) {
            return context(LineClass.AUTH_FAILURE, time, null);
        }
        if (s.indexOf("no MAIL in SMTP connection", pos) >= 0 || s.indexOf("lost while reading message data", pos) >= 0
                || s.indexOf("dropped: too many", pos) >= 0 || s.indexOf("closed by DROP", pos) >= 0
                || s.indexOf("closed by QUIT", pos) >= 0 || s.indexOf("connection count", pos) >= 0) {
            return context(LineClass.CONNECTION, time, null);
        }
        if (s.indexOf("SIGHUP", pos) >= 0 || s.indexOf(" daemon started", pos) >= 0) {
            return context(LineClass.DAEMON, time, null);
        }
        if (s.indexOf("configured error code", pos) >= 0) {
            return context(LineClass.ERROR, time, null);
        }
        if (s.indexOf(" queue run", pos) >= 0) {
            return context(LineClass.QUEUE_RUN, time, null);
        }
        if (s.indexOf("rejected", pos) >= 0 && s.indexOf("F=<", pos) >= 0) {
            return hostLine(time, null);
        }
        return context(LineClass.NOTE, time, null);
    }

    // ----------------------------------------------------------------------------------------
    // <= lines

    private Arrival arrival() {
        String sender = addressWord();
        Host host = null;
        String ident = null;
        String protocol = null;
        String authenticator = null;
        String authId = null;
        long size = -1;
        String headerId = null;
        String subject = null;
        String bounceOf = null;
        String tls = null;
        List<String> recipients = List.of();
        while (true) {
            skipSpaces();
            if (pos >= n) {
                break;
            }
            if (at("for ")) {
                pos += 4;
                recipients = addresses();
                break;
            }
            int k = keyLength();
            if (k < 0) {
                skipWord();
                continue;
            }
            char key = s.charAt(pos);
            boolean single = k == 1;
            boolean isId = k == 2 && key == 'i' && s.charAt(pos + 1) == 'd';
            pos += k + 1;
            if (isId) {
                headerId = value();
                continue;
            }
            if (!single) {
                skipValue();
                continue;
            }
            switch (key) {
                case 'H' -> host = host();
                case 'U' -> ident = value();
                case 'P' -> protocol = value();
                case 'A' -> {
                    String a = value();
                    int colon = a.indexOf(':');
                    authenticator = colon < 0 ? a : a.substring(0, colon);
                    authId = colon < 0 ? null : a.substring(colon + 1);
                }
                case 'S' -> size = parseLong(value());
                case 'T' -> subject = value();
                case 'R' -> bounceOf = value();
                case 'X' -> tls = value();
                default -> skipValue();
            }
        }
        return new Arrival(sender, host, ident, protocol, authenticator, authId, size, headerId, subject,
                bounceOf, tls, recipients);
    }

    // ----------------------------------------------------------------------------------------
    // => -> >> *> ** == lines

    private static LineClass attemptClass(AttemptKind kind) {
        return switch (kind) {
            case DELIVERED -> LineClass.DELIVERY;
            case DELIVERED_MORE -> LineClass.ADDITIONAL_DELIVERY;
            case CUTTHROUGH -> LineClass.CUTTHROUGH;
            case SUPPRESSED -> LineClass.SUPPRESSED;
            case FAILED -> LineClass.FAILURE;
            case DEFERRED -> LineClass.DEFERRAL;
        };
    }

    private Attempt attempt(AttemptKind kind) {
        pendingMessage = false;
        String address = attemptAddress();
        List<String> parents = List.of();
        String original = null;
        String router = null;
        String transport = null;
        Host host = null;
        String tls = null;
        String confirmation = null;
        String errno = null;
        String message = null;
        while (message == null) {
            skipSpaces();
            if (pos >= n) {
                break;
            }
            if (endsField()) {
                message = messageText();
                break;
            }
            char c = s.charAt(pos);
            if (c == '(') {
                int close = closing(pos, '(', ')');
                if (parents.isEmpty()) {
                    parents = new ArrayList<>(2);
                }
                parents.add(s.substring(pos + 1, close));
                pos = close + 1;
                continue;
            }
            if (c == '<') {
                int close = s.indexOf('>', pos);
                if (close < 0) {
                    close = n;
                }
                original = s.substring(pos + 1, close);
                pos = Math.min(n, close + 1);
                continue;
            }
            if (at("defer (")) {
                int close = s.indexOf(')', pos);
                if (close < 0) {
                    close = n;
                }
                errno = s.substring(pos + 7, close);
                pos = Math.min(n, close + 1);
                continue;
            }
            int k = keyLength();
            if (k < 0) {
                boolean failing = kind == AttemptKind.FAILED || kind == AttemptKind.DEFERRED;
                if (failing && !at("routing ") && !isFlagWord()) {
                    // "** a@x.y mua_wrapper forced failure ...": a reason without the colon.
                    message = messageText();
                    break;
                }
                skipWord();
                if (pos > 0 && s.charAt(pos - 1) == ':') {
                    message = messageText();
                }
                continue;
            }
            char key = k == 1 ? s.charAt(pos) : '\0';
            pos += k + 1;
            switch (key) {
                case 'R' -> router = valueStrippingColon();
                case 'T' -> transport = valueStrippingColon();
                case 'H' -> host = host();
                case 'X' -> tls = valueStrippingColon();
                case 'C' -> confirmation = valueStrippingColon();
                default -> valueStrippingColon();
            }
            if (sawColon) {
                message = messageText();
            }
        }
        return new Attempt(kind, address, parents, original, router, transport, host, tls, confirmation,
                errno, message);
    }

    /** Bare flags Exim may write among the fields: K (CHUNKING), L (PIPELINING), PRDR, TFO. */
    private boolean isFlagWord() {
        int end = s.indexOf(' ', pos);
        if (end < 0) {
            end = n;
        }
        int len = end - pos;
        return len == 1 && (at("K") || at("L")) || len == 4 && (at("PRDR")) || len == 3 && at("TFO");
    }

    /** The address after the marker; pipes ({@code |cmd args}) may hold spaces. */
    private String attemptAddress() {
        int start = pos;
        if (pos < n && s.charAt(pos) == '|') {
            int end = n;
            for (String stop : new String[] {" (", " <", " R=", " T="}) {
                int i = s.indexOf(stop, pos);
                if (i > 0 && i < end) {
                    end = i;
                }
            }
            pos = end;
            return s.substring(start, end);
        }
        skipWord();
        String a = s.substring(start, pos);
        if (a.indexOf('@') < 0) {
            String spaced = addressWithSpaces(start);
            if (spaced != null) {
                return spaced;
            }
        }
        if (a.endsWith(":") && a.length() > 1 && a.charAt(0) != ':' && (pos >= n || s.charAt(pos) == ' ')) {
            // "** x@y: Unrouteable address": the address is followed straight by the reason.
            pendingMessage = true;
            return a.substring(0, a.length() - 1);
        }
        return a;
    }

    /**
     * An address whose local part holds spaces, which Exim writes without the quotes it needs
     * ({@code => x y@example.net <"x y"@example.net>}), starting at {@code start}; null when the
     * line does not read so. The top-level address is then quoted, so the address runs to the
     * {@code " <\""} before it (or to its {@code " ("} parents), and is an address: it has an
     * {@code @} and no field in it. On a match the cursor moves past it.
     */
    private String addressWithSpaces(int start) {
        int quotedTop = s.indexOf(" <\"", pos);
        if (quotedTop < 0) {
            return null;
        }
        int parents = s.indexOf(" (", pos);
        int end = parents >= 0 && parents < quotedTop ? parents : quotedTop;
        String candidate = s.substring(start, end);
        if (candidate.indexOf('@') < 0 || candidate.indexOf('=') >= 0 || candidate.indexOf('<') >= 0
                || candidate.indexOf('"') >= 0) {
            return null;
        }
        pos = end;
        return candidate;
    }

    /** True if the reason starts here (after an address that ended in a colon). */
    private boolean endsField() {
        if (pendingMessage) {
            pendingMessage = false;
            return true;
        }
        if (s.charAt(pos) == ':' && (pos + 1 >= n || s.charAt(pos + 1) == ' ')) {
            pos++;
            return true;
        }
        return false;
    }

    /**
     * The reason after the fields, with Exim's escapes ({@code \n}, octal) decoded. A failure's
     * delivery time ({@code +deliver_time}), which Exim writes after the reason, is not part of it.
     */
    private String messageText() {
        skipSpaces();
        return EximText.unescape(s, Math.min(pos, n), reasonEnd());
    }

    /** Where the reason ends: before a trailing {@code " DT=1m3s"}, else at the end of the line. */
    private int reasonEnd() {
        int dt = s.lastIndexOf(" DT=");
        if (dt < pos || dt + 5 > n || !Character.isDigit(s.charAt(dt + 4)) || !Character.isLetter(s.charAt(n - 1))) {
            return n;
        }
        for (int i = dt + 4; i < n; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == 's' || c == 'm' || c == 'h' || c == 'd' || c == 'w')) {
                return n;
            }
        }
        return dt;
    }

    /** Reads a value; if it ended in the colon that starts the reason, strips it and says so. */
    private String valueStrippingColon() {
        sawColon = false;
        if (pos < n && s.charAt(pos) == '"') {
            String v = quoted();
            if (pos < n && s.charAt(pos) == ':' && (pos + 1 >= n || s.charAt(pos + 1) == ' ')) {
                pos++;
                sawColon = true;
            }
            return v;
        }
        int start = pos;
        skipWord();
        if (pos - 1 > start && s.charAt(pos - 1) == ':') {
            sawColon = true;
            return s.substring(start, pos - 1);
        }
        return s.substring(start, pos);
    }

    // ----------------------------------------------------------------------------------------
    // H=... lines: rejections, ACL warnings (cPanel's spam score), connection notes

    private ParsedLine hostLine(long time, String id) {
        Host host = null;
        String sender = null;
        while (pos < n) {
            skipSpaces();
            if (at("rejected ") || at("temporarily rejected ")) {
                return new ParsedLine(LineClass.REJECTION, time, id, rejection(host, sender), s);
            }
            if (at("Warning: ")) {
                if (s.indexOf("SpamAssassin as ", pos) >= 0) {
                    return spamLine(time, id);
                }
                return context(LineClass.WARNING, time, id);
            }
            if (s.startsWith("F=<", pos)) {
                int close = s.indexOf('>', pos);
                if (close < 0) {
                    break;
                }
                sender = s.substring(pos + 3, close);
                pos = close + 1;
                continue;
            }
            if (pos < n && s.charAt(pos) == '[') {
                host = bracketHost();
                continue;
            }
            int k = keyLength();
            if (k < 0) {
                break;
            }
            boolean isHost = k == 1 && s.charAt(pos) == 'H';
            pos += k + 1;
            if (isHost) {
                host = host();
            } else {
                skipValue();
            }
        }
        if (s.indexOf("SpamAssassin as ", pos) >= 0) {
            return spamLine(time, id);
        }
        return context(classifyHostTail(), time, id);
    }

    /** What an {@code H=...} line is when it is neither a rejection nor a warning. */
    private LineClass classifyHostTail() {
        if (pos >= n) {
            return LineClass.CONNECTION;
        }
        if (s.indexOf("authenticator failed", pos) >= 0 || at("incorrect authentication")) {
            return LineClass.AUTH_FAILURE;
        }
        if (at("TLS ") || s.indexOf("TLS error", pos) >= 0) {
            return LineClass.TLS;
        }
        if (at("sender verify") || at("recipient verify") || at("Warning")) {
            return LineClass.WARNING;
        }
        if (at("Network Error") || at("Network is unreachable") || at("Connection refused")
                || at("Connection timed out") || at("Remote host closed") || at("No route to host")) {
            return LineClass.CONNECTION;
        }
        if (at("SMTP ") || at("dropped") || at("lost") || at("closed") || at("no MAIL")
                || at("unexpected disconnection") || at("incomplete transaction") || at("sync")
                || at("too many") || at("protocol error") || at("command timeout")
                || s.indexOf("synchronization error", pos) >= 0 || s.indexOf("SMTP ", pos) >= 0) {
            return LineClass.CONNECTION;
        }
        return LineClass.NOTE;
    }

    private Rejection rejection(Host host, String sender) {
        boolean temporary = at("temporarily ");
        pos += temporary ? "temporarily rejected ".length() : "rejected ".length();
        String stage;
        String recipient = null;
        if (at("RCPT ")) {
            stage = "RCPT";
            pos += 5;
            if (pos < n && s.charAt(pos) == '<') {
                int close = s.indexOf('>', pos);
                if (close > 0) {
                    recipient = s.substring(pos + 1, close);
                    pos = close + 1;
                }
            } else {
                int start = pos;
                skipWord();
                recipient = stripColon(s.substring(start, pos));
            }
        } else if (at("MAIL ")) {
            stage = "MAIL";
            pos += 5;
            if (sender == null && pos < n && s.charAt(pos) == '<') {
                int close = s.indexOf('>', pos);
                if (close > 0) {
                    sender = s.substring(pos + 1, close);
                }
            }
        } else if (at("after DATA")) {
            stage = "DATA";
        } else if (at("connection")) {
            stage = "connection";
        } else if (at("EHLO") || at("HELO")) {
            stage = "HELO";
        } else if (at("AUTH")) {
            stage = "AUTH";
        } else {
            int start = pos;
            skipWord();
            stage = stripColon(s.substring(start, pos));
        }
        int colon = s.indexOf(": ", pos);
        String reason = colon < 0 ? "" : s.substring(colon + 2);
        return new Rejection(host, sender, recipient, stage, reason, temporary);
    }

    private ParsedLine spamLine(long time, String id) {
        int at = s.indexOf("SpamAssassin as ", pos);
        int open = s.lastIndexOf('(');
        int close = open < 0 ? -1 : s.indexOf(')', open);
        double score = Double.NaN;
        if (open > at && close > open) {
            score = parseDouble(s.substring(open + 1, close));
        }
        if (Double.isNaN(score)) {
            return context(LineClass.WARNING, time, id);
        }
        int verdict = s.indexOf(" as ", s.indexOf(" detected ", at) + 1);
        boolean spam = verdict > 0 && !s.startsWith(" as NOT spam", verdict);
        return new ParsedLine(LineClass.SPAM_SCORE, time, id, new SpamVerdict(score, spam), s);
    }

    /** {@code SA: Action: ... score=5.2 required=5.0 ...} (Exim's own spam ACL logging). */
    private SpamVerdict saLine() {
        int i = s.indexOf("score=", pos);
        if (i < 0) {
            return null;
        }
        int start = i + 6;
        int end = start;
        while (end < n && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.' || s.charAt(end) == '-')) {
            end++;
        }
        double score = parseDouble(s.substring(start, end));
        if (Double.isNaN(score)) {
            return null;
        }
        int r = s.indexOf("required=", end);
        boolean spam = s.indexOf("isn't spam", pos) < 0 && s.indexOf("not spam", pos) < 0;
        if (r > 0) {
            int rs = r + 9;
            int re = rs;
            while (re < n && (Character.isDigit(s.charAt(re)) || s.charAt(re) == '.' || s.charAt(re) == '-')) {
                re++;
            }
            double required = parseDouble(s.substring(rs, re));
            if (!Double.isNaN(required)) {
                spam = score >= required;
            }
        }
        return new SpamVerdict(score, spam);
    }

    private ParsedLine idWarning(long time, String id) {
        if (s.indexOf("SpamAssassin as ", pos) >= 0) {
            return spamLine(time, id);
        }
        return context(LineClass.WARNING, time, id);
    }

    private SenderIdentity senderIdentity() {
        pos += "Sender identification ".length();
        String user = null;
        String domain = null;
        String address = null;
        while (true) {
            skipSpaces();
            if (pos >= n) {
                break;
            }
            int k = keyLength();
            if (k != 1) {
                skipWord();
                continue;
            }
            char key = s.charAt(pos);
            pos += 2;
            String v = value();
            switch (key) {
                case 'U' -> user = v;
                case 'D' -> domain = v;
                case 'S' -> address = v;
                default -> {
                }
            }
        }
        return new SenderIdentity(user, domain, address);
    }

    // ----------------------------------------------------------------------------------------
    // the H= value

    /** Parses {@code name (helo) [ip]:port*} at the cursor; each part optional. */
    private Host host() {
        String name = null;
        String helo = null;
        if (pos < n && s.charAt(pos) != '(' && s.charAt(pos) != '[') {
            int start = pos;
            skipWord();
            name = s.substring(start, pos);
        }
        int open = -1;
        if (pos < n && s.charAt(pos) == '(') {
            open = pos;
        } else if (name != null && pos + 1 < n && s.charAt(pos) == ' ' && s.charAt(pos + 1) == '(') {
            open = pos + 1;
        }
        if (open >= 0) {
            // The HELO text is the client's and may hold spaces or brackets; it ends before " [ip]".
            int close = s.indexOf(") [", open);
            if (close < 0) {
                close = closing(open, '(', ')');
            }
            helo = s.substring(open + 1, close);
            pos = Math.min(n, close + 1);
        }
        if (pos + 1 < n && s.charAt(pos) == ' ' && s.charAt(pos + 1) == '[') {
            pos++;
        }
        if (pos < n && s.charAt(pos) == '[') {
            Host h = bracketHost();
            return new Host(name, helo, h.ip(), h.port(), h.reused());
        }
        return new Host(name, helo, null, -1, false);
    }

    /** {@code [ip]}, {@code [ip]:port}, {@code [ip]:port*} at the cursor, which is on '['. */
    private Host bracketHost() {
        int close = s.indexOf(']', pos);
        if (close < 0) {
            String ip = s.substring(pos + 1);
            pos = n;
            return new Host(null, null, ip, -1, false);
        }
        String ip = s.substring(pos + 1, close);
        pos = close + 1;
        int port = -1;
        if (pos + 1 < n && s.charAt(pos) == ':' && Character.isDigit(s.charAt(pos + 1))) {
            pos++;
            int start = pos;
            while (pos < n && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            port = (int) Math.min(Integer.MAX_VALUE, parseLong(s.substring(start, pos)));
        }
        boolean reused = false;
        if (pos < n && s.charAt(pos) == '*') {
            reused = true;
            pos++;
        }
        return new Host(null, null, ip, port, reused);
    }

    // ----------------------------------------------------------------------------------------
    // cursor helpers

    private ParsedLine context(LineClass c, long time, String id) {
        return new ParsedLine(c, time, id, null, s);
    }

    private boolean at(String prefix) {
        return s.startsWith(prefix, pos);
    }

    private String rest() {
        return s.substring(Math.min(pos, n));
    }

    private void skipSpaces() {
        while (pos < n && s.charAt(pos) == ' ') {
            pos++;
        }
    }

    private void skipWord() {
        int space = s.indexOf(' ', pos);
        pos = space < 0 ? n : space;
    }

    private String word() {
        int start = pos;
        skipWord();
        return s.substring(start, pos);
    }

    /** The addresses to the end of the line, each one {@link #addressWord}. */
    private List<String> addresses() {
        List<String> list = new ArrayList<>(4);
        while (true) {
            skipSpaces();
            if (pos >= n) {
                return list;
            }
            list.add(addressWord());
        }
    }

    /**
     * An address as Exim writes it where it keeps the quotes: up to the next space, but a quoted
     * local part ({@code "a b"@example.com}) may hold spaces (and escaped quotes).
     */
    private String addressWord() {
        int start = pos;
        if (pos < n && s.charAt(pos) == '"') {
            int i = pos + 1;
            while (i < n && s.charAt(i) != '"') {
                i += s.charAt(i) == '\\' ? 2 : 1;
            }
            pos = Math.min(n, i + 1);
        }
        skipWord();
        return s.substring(start, pos);
    }

    /** Length of a {@code KEY=} at the cursor (letters and digits, 1-6 of them), or -1. */
    private int keyLength() {
        int i = pos;
        int limit = Math.min(n, pos + 7);
        while (i < limit) {
            char c = s.charAt(i);
            if (c == '=') {
                return i > pos ? i - pos : -1;
            }
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
                return -1;
            }
            i++;
        }
        return -1;
    }

    /** A value: quoted (with escapes), or up to the next space. */
    private String value() {
        if (pos < n && s.charAt(pos) == '"') {
            return quoted();
        }
        return word();
    }

    private void skipValue() {
        if (pos < n && s.charAt(pos) == '"') {
            quoted();
        } else {
            skipWord();
        }
    }

    /** A {@code "..."} value at the cursor; an unterminated one runs to the end of the line. */
    private String quoted() {
        int start = pos + 1;
        int end = s.indexOf('"', start);
        int backslash = s.indexOf('\\', start);
        if (end < 0) {
            end = n;
        }
        if (backslash >= 0 && backslash < end) {
            // Escapes inside: find the first quote not escaped by a backslash.
            int i = backslash;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\') {
                    i += 2;
                } else if (c == '"') {
                    break;
                } else {
                    i++;
                }
            }
            end = Math.min(i, n);
            pos = Math.min(n, end + 1);
            return EximText.unescape(s, start, end);
        }
        pos = Math.min(n, end + 1);
        return s.substring(start, end);
    }

    /** Index of the bracket closing the one at {@code open}, allowing nesting; n if none. */
    private int closing(int open, char o, char c) {
        int depth = 0;
        for (int i = open; i < n; i++) {
            char ch = s.charAt(i);
            if (ch == o) {
                depth++;
            } else if (ch == c && --depth == 0) {
                return i;
            }
        }
        return n;
    }

    private boolean allDigits(int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String stripColon(String w) {
        return w.endsWith(":") ? w.substring(0, w.length() - 1) : w;
    }

    private static long parseLong(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long r = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            r = r * 10 + (c - '0');
        }
        return r;
    }

    /**
     * A SpamAssassin score: an optional sign, digits, an optional fraction. Hand-written rather
     * than {@code Double.parseDouble}, whose generality costs more to compile than a whole short
     * parse run spends on scores. NaN if it is not such a number.
     */
    static double parseDouble(String v) {
        int i = 0;
        int n = v.length();
        while (i < n && v.charAt(i) == ' ') {
            i++;
        }
        while (n > i && v.charAt(n - 1) == ' ') {
            n--;
        }
        boolean negative = i < n && v.charAt(i) == '-';
        if (i < n && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int fraction = -1;
        for (; i < n; i++) {
            char c = v.charAt(i);
            if (c == '.' && fraction < 0) {
                fraction = 0;
            } else if (c >= '0' && c <= '9' && digits < 15) {
                mantissa = mantissa * 10 + (c - '0');
                digits++;
                if (fraction >= 0) {
                    fraction++;
                }
            } else {
                return Double.NaN;
            }
        }
        if (digits == 0) {
            return Double.NaN;
        }
        double value = mantissa / POWERS_OF_TEN[Math.max(fraction, 0)];
        return negative ? -value : value;
    }

    private static final double[] POWERS_OF_TEN = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15};

    /** A line that starts like {@code YYYY-} is a log line with a broken timestamp. */
    private static boolean looksLikeLogLine(String line) {
        return line.length() >= 5 && Character.isDigit(line.charAt(0)) && Character.isDigit(line.charAt(1))
                && Character.isDigit(line.charAt(2)) && Character.isDigit(line.charAt(3)) && line.charAt(4) == '-';
    }

    /**
     * The length of an Exim message id at {@code at}: 16 ({@code 1RwtJa-0009RI-07}, Exim before
     * 4.97) or 23 ({@code 1rAbcD-00000000AbC-0000}, 4.97 on), followed by a space or the end; 0 if
     * there is none.
     */
    public static int messageIdLength(String s, int at) {
        int n = s.length();
        if (at + 16 > n || s.charAt(at + 6) != '-') {
            return 0;
        }
        if (s.charAt(at + 13) == '-' && (at + 16 == n || s.charAt(at + 16) == ' ')
                && base62(s, at, 6) && base62(s, at + 7, 6) && base62(s, at + 14, 2)) {
            return 16;
        }
        if (at + 23 <= n && s.charAt(at + 18) == '-' && (at + 23 == n || s.charAt(at + 23) == ' ')
                && base62(s, at, 6) && base62(s, at + 7, 11) && base62(s, at + 19, 4)) {
            return 23;
        }
        return 0;
    }

    /**
     * The second an Exim message id was made, unix seconds: its first six characters, base 62.
     * Exim makes the id as a message starts to arrive, so this is at or just before its arrival
     * line's time. -1 when {@code id} is not a message id.
     */
    public static long messageIdTime(String id) {
        return id == null || messageIdLength(id, 0) != id.length() ? -1 : idTime(id);
    }

    /**
     * The seconds since the epoch in the first six characters of {@code id}, base 62 (spec
     * chapter "Message identification"), whatever follows them; 0 when they are not base 62.
     */
    public static long idTime(String id) {
        if (id == null || id.length() < 6 || !base62(id, 0, 6)) {
            return 0;
        }
        long t = 0;
        for (int i = 0; i < 6; i++) {
            char c = id.charAt(i);
            t = t * 62 + (c <= '9' ? c - '0' : c <= 'Z' ? c - 'A' + 10 : c - 'a' + 36);
        }
        return t;
    }

    private static boolean base62(String s, int from, int len) {
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }
}
