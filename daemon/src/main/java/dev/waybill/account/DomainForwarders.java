package dev.waybill.account;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The forwarders of one domain, {@code etc/valiases/<domain>}, read the way Exim reads them:
 * an {@code lsearch} file (keys matched without case, the first matching line wins, comment lines
 * start with {@code #}, a line starting with white space continues the one before) whose values
 * are redirection lists (comma-separated; an item wholly in double quotes loses them, an address
 * with a quoted local part keeps them; {@code :fail:} and
 * {@code :defer:} take the rest of the value as their text, commas included — Exim spec 22.6).
 *
 * <p>Keys are whole addresses ({@code alias@domain}) plus {@code *}, the domain's default address.
 * Immutable.
 */
public final class DomainForwarders {

    /**
     * Files larger than this are refused rather than read: a forwarder file this big is a mistake
     * or an attack, and reading it would cost the daemon memory another user's request needs.
     */
    public static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    private static final DomainForwarders NONE = new DomainForwarders(Map.of());

    private final Map<String, List<String>> byKey;

    private DomainForwarders(Map<String, List<String>> byKey) {
        this.byKey = byKey;
    }

    /** A domain without forwarders. */
    public static DomainForwarders none() {
        return NONE;
    }

    /**
     * Reads one valiases file. A missing file means no forwarders.
     *
     * Bytes that are not UTF-8 become U+FFFD.
     *
     * @throws IOException if the file exists but cannot be read or is larger than
     *     {@link #MAX_FILE_BYTES}; the message names the file
     */
    public static DomainForwarders read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return NONE;
        }
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes, more than the " + MAX_FILE_BYTES
                    + " read for forwarders");
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new Bounded(Files.newInputStream(file), file), decoder))) {
            return parse(in);
        } catch (NoSuchFileException e) {
            return NONE;
        }
    }

    /**
     * A file's bytes up to {@link #MAX_FILE_BYTES}, then an error: the account that owns a
     * valiases file may write to it while it is read, so its size before the read bounds nothing.
     */
    private static final class Bounded extends FilterInputStream {
        private final Path file;
        private long left = MAX_FILE_BYTES;

        Bounded(InputStream in, Path file) {
            super(in);
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, left + 1));
            if (n > 0 && (left -= n) < 0) {
                throw new IOException(file + " grew past the " + MAX_FILE_BYTES + " bytes read for forwarders");
            }
            return n;
        }
    }

    static DomainForwarders parse(BufferedReader in) throws IOException {
        Map<String, List<String>> map = new HashMap<>();
        String key = null;
        StringBuilder value = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.isEmpty() && Character.isWhitespace(line.charAt(0))) {
                if (key != null && !line.isBlank()) {
                    value.append(' ').append(line.strip()); // lsearch continuation line
                }
                continue;
            }
            if (key != null) {
                map.putIfAbsent(key, splitTargets(value.toString()));
                key = null;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = keyEnd(line);
            if (end <= 0) {
                continue;
            }
            key = line.substring(0, end).toLowerCase(Locale.ROOT);
            int from = end;
            while (from < line.length() && Character.isWhitespace(line.charAt(from))) {
                from++;
            }
            if (from < line.length() && line.charAt(from) == ':') {
                from++;
            }
            value.setLength(0);
            value.append(line.substring(from).strip());
        }
        if (key != null) {
            map.putIfAbsent(key, splitTargets(value.toString()));
        }
        return new DomainForwarders(Map.copyOf(map));
    }

    /** An lsearch key ends at a colon or white space. */
    private static int keyEnd(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ':' || Character.isWhitespace(c)) {
                return i;
            }
        }
        return line.length();
    }

    /**
     * Splits a redirection list into its items, unquoted. {@code :fail:} and {@code :defer:} end
     * the list: what follows them, commas and all, is their text (as Exim reports it).
     */
    public static List<String> splitTargets(String list) {
        List<String> items = new ArrayList<>();
        int i = 0;
        int n = list.length();
        while (i < n) {
            while (i < n && (list.charAt(i) == ',' || Character.isWhitespace(list.charAt(i)))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            String rest = list.substring(i);
            String lower = rest.toLowerCase(Locale.ROOT);
            if (lower.startsWith(":fail:") || lower.startsWith(":defer:")) {
                items.add(rest.strip());
                break;
            }
            StringBuilder item = new StringBuilder();
            if (list.charAt(i) == '"') {
                int start = i++;
                while (i < n && list.charAt(i) != '"') {
                    char c = list.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = list.charAt(i++);
                    }
                    item.append(c);
                }
                i++; // the closing quote, if any
                int end = i;
                while (i < n && list.charAt(i) != ',') {
                    i++;
                }
                if (end < i && !list.substring(end, i).isBlank()) {
                    // Only an item wholly in quotes loses them (spec 22.6): "john smith"@example.com
                    // is an address with a quoted local part, quotes and domain kept.
                    item.setLength(0);
                    item.append(list, start, i);
                }
            } else {
                while (i < n && list.charAt(i) != ',') {
                    item.append(list.charAt(i++));
                }
            }
            String text = item.toString().strip();
            if (!text.isEmpty()) {
                items.add(text);
            }
        }
        return List.copyOf(items);
    }

    /**
     * The targets of the forwarder {@code address} itself, or null when it has none. The file
     * names its domain as cPanel does ({@link CpanelAccounts#lookupForm}): an address written with
     * the domain in Unicode or with a final dot is looked up in that form.
     */
    public List<String> exact(String address) {
        if (address == null) {
            return null;
        }
        int at = address.lastIndexOf('@');
        if (at > 0 && at < address.length() - 1 && !plainDomain(address, at + 1)) {
            String domain = CpanelAccounts.lookupForm(address.substring(at + 1));
            if (domain == null) {
                return null;
            }
            address = address.substring(0, at + 1) + domain;
        }
        return byKey.get(address.toLowerCase(Locale.ROOT));
    }

    /** Whether the domain from {@code from} on is ASCII without a final dot: its lookup form is its lower case. */
    private static boolean plainDomain(String address, int from) {
        for (int i = from; i < address.length(); i++) {
            if (address.charAt(i) >= 128) {
                return false;
            }
        }
        return address.charAt(address.length() - 1) != '.';
    }

    /** The targets of the domain's default address ({@code *}), or null when it has none. */
    public List<String> catchAll() {
        return byKey.get("*");
    }

    /** The number of keys, the default address included. */
    public int size() {
        return byKey.size();
    }
}
