package dev.waybill.trace;

import java.net.IDN;
import java.util.Locale;

/**
 * An email address checked for tracing: a plain or quoted local part and a host-name domain, the domain
 * in lower case and in its ASCII form (IDNA). Only such a domain is ever used to name a file, so
 * no address can lead a lookup out of {@code etc/valiases/} or a home directory.
 *
 * @param localPart the part before the last {@code @}, as given, without the quotes of a quoted one
 * @param domain the domain: labels of letters, digits, {@code -} and {@code _}, no trailing dot
 */
public record MailAddress(String localPart, String domain) {

    /** RFC 3696 errata: 64 + 1 + 255; what the trace accepts at most. */
    public static final int MAX_LENGTH = 320;
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 253;

    /**
     * Checks {@code text} and splits it. Surrounding white space and angle brackets are dropped.
     *
     * @throws InvalidAddressException naming what is wrong: empty, too long, no {@code @}, an empty
     *     or unusual local part, an address literal, a domain with an empty label ({@code ..}) or a
     *     character a host name cannot have ({@code /} among them)
     */
    public static MailAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidAddressException("the address is empty");
        }
        String s = text.strip();
        if (s.length() > MAX_LENGTH) {
            throw new InvalidAddressException("the address is longer than " + MAX_LENGTH + " characters");
        }
        if (s.length() >= 2 && s.charAt(0) == '<' && s.charAt(s.length() - 1) == '>') {
            s = s.substring(1, s.length() - 1).strip();
        }
        int at = s.lastIndexOf('@');
        if (at < 0) {
            throw new InvalidAddressException("'@' is missing: an address needs a domain, like user@example.com");
        }
        String local = s.substring(0, at);
        String domain = s.substring(at + 1);
        if (local.length() >= 2 && local.charAt(0) == '"' && local.charAt(local.length() - 1) == '"') {
            local = unquote(local.substring(1, local.length() - 1));
        } else {
            checkLocalPart(local);
        }
        return new MailAddress(local, checkDomain(domain));
    }

    /**
     * The text of a quoted local part (RFC 5322 §3.2.4), backslash escapes resolved: printable
     * ASCII and spaces only, as Exim takes it from a forwarder such as {@code "john smith"@example.com}.
     */
    private static String unquote(String quoted) {
        StringBuilder local = new StringBuilder();
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length()) {
                c = quoted.charAt(++i);
            } else if (c == '"' || c == '\\') {
                throw new InvalidAddressException("the quoted part before '@' has a stray '" + c + "'", true);
            }
            if (c < 0x20 || c > 0x7e) {
                throw new InvalidAddressException("the quoted part before '@' has a character an address cannot"
                        + " have (" + describe(c) + ")");
            }
            local.append(c);
        }
        if (local.length() == 0) {
            throw new InvalidAddressException("the part before '@' is empty", true);
        }
        if (local.length() > MAX_LOCAL_PART) {
            throw new InvalidAddressException("the part before '@' is longer than " + MAX_LOCAL_PART + " characters");
        }
        return local.toString();
    }

    private static void checkLocalPart(String local) {
        if (local.isEmpty()) {
            throw new InvalidAddressException("the part before '@' is empty", true);
        }
        if (local.length() > MAX_LOCAL_PART) {
            throw new InvalidAddressException("the part before '@' is longer than " + MAX_LOCAL_PART + " characters");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c > 0x7e) {
                throw new InvalidAddressException("the part before '@' has non-ASCII characters, which this"
                        + " server's mailboxes and forwarders cannot have");
            }
            if (!isAtext(c) && c != '.') {
                throw new InvalidAddressException("the part before '@' has a character that needs quoting ("
                        + describe(c) + "); write such a part in double quotes", true);
            }
        }
    }

    /** RFC 5322 §3.2.3 atext. */
    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    private static String checkDomain(String domain) {
        if (domain.isEmpty()) {
            throw new InvalidAddressException("the domain after '@' is empty", true);
        }
        if (domain.startsWith("[")) {
            throw new InvalidAddressException("address literals like user@[192.0.2.1] are not traced");
        }
        if (domain.endsWith(".") && !domain.startsWith(".") && !domain.contains("..")) {
            // Exim refuses it (strip_trailing_dot is off, as on cPanel), in SMTP, in a forwarder
            // and in exim -bt alike, so the trace must not route it as if the dot were not there.
            throw new InvalidAddressException("the domain ends with a dot, which Exim refuses (\"domain missing or"
                    + " malformed\"): write it without the final dot", true);
        }
        boolean ascii = domain.chars().allMatch(c -> c < 0x80);
        if (!ascii) {
            try {
                domain = IDN.toASCII(domain, 0);
            } catch (IllegalArgumentException e) {
                throw new InvalidAddressException("the domain is not a valid international domain name");
            }
        }
        domain = domain.toLowerCase(Locale.ROOT);
        if (domain.isEmpty() || domain.length() > MAX_DOMAIN) {
            throw new InvalidAddressException("the domain must have 1 to " + MAX_DOMAIN + " characters");
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty()) {
                throw new InvalidAddressException("the domain has an empty label (a leading dot or '..')", true);
            }
            if (label.length() > 63) {
                throw new InvalidAddressException("a label of the domain is longer than 63 characters");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                    throw new InvalidAddressException("the domain has a character a host name cannot have ("
                            + describe(c) + ")", true);
                }
            }
        }
        return domain;
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f || Character.isWhitespace(c)
                ? String.format("U+%04X", (int) c)
                : "'" + c + "'";
    }

    /** The address, {@code local@domain}, the local part in double quotes when it needs them. */
    @Override
    public String toString() {
        return (isDotAtom(localPart) ? localPart : quote(localPart)) + "@" + domain;
    }

    /** RFC 5322 §3.2.3 dot-atom, loosely: atext and dots, as Exim writes a local part unquoted. */
    private static boolean isDotAtom(String local) {
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!isAtext(c) && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static String quote(String local) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** The address as Exim looks it up: lower case. */
    String key() {
        return localPart.toLowerCase(Locale.ROOT) + "@" + domain;
    }
}
