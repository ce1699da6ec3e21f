package dev.waybill.trace;

import dev.waybill.account.CpanelAccounts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The routing files of a cPanel server, beyond what {@link CpanelAccounts} knows, read fresh for
 * one trace: {@code etc/localdomains}, {@code etc/remotedomains}, {@code etc/vfilters/<domain>},
 * {@code etc/passwd} (account homes), {@code <home>/etc/<domain>/passwd} (mailboxes) and
 * {@code var/cpanel/domain_keys/private/<domain>} (DKIM keys). Every file name built from a
 * domain or user name is checked with {@link CpanelAccounts#isSafeFileName} first, and every
 * absolute path read from a file is kept inside the root. Internal to the trace; not thread-safe.
 */
final class CpanelMailFiles {

    /** No routing file of ours is anywhere near this big; a bigger one is refused, not read. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    /** {@code :include:} lists are read up to this size. */
    static final long MAX_INCLUDE_BYTES = 1024 * 1024;

    private final Path root;
    private final Set<String> localDomains;
    private final Set<String> remoteDomains;
    private Map<String, String> homes;

    private CpanelMailFiles(Path root, Set<String> localDomains, Set<String> remoteDomains) {
        this.root = root;
        this.localDomains = localDomains;
        this.remoteDomains = remoteDomains;
    }

    /** Reads the domain lists under {@code root}; missing files are empty lists. */
    static CpanelMailFiles read(Path root) throws IOException {
        Path normalized = root.toAbsolutePath().normalize();
        return new CpanelMailFiles(normalized, domainList(normalized.resolve("etc/localdomains")),
                domainList(normalized.resolve("etc/remotedomains")));
    }

    private static Set<String> domainList(Path file) throws IOException {
        Set<String> domains = new HashSet<>();
        for (String line : lines(file, MAX_FILE_BYTES)) {
            String d = line.strip().toLowerCase(Locale.ROOT);
            if (!d.isEmpty() && !d.startsWith("#")) {
                domains.add(d);
            }
        }
        return domains;
    }

    /**
     * Whether Exim delivers {@code domain} here: listed in {@code etc/localdomains} or owned by an
     * account ({@code etc/userdomains}), and not sent away by {@code etc/remotedomains} (cPanel's
     * "Remote Mail Exchanger" setting).
     */
    boolean isLocal(String domain, CpanelAccounts accounts) {
        if (remoteDomains.contains(domain)) {
            return false;
        }
        return localDomains.contains(domain) || accounts.ownerOfDomain(domain) != null;
    }

    /**
     * True if {@code etc/vfilters/<domain>} holds a rule. cPanel creates the file empty for every
     * domain, so only a file with a line that is neither blank nor a comment counts.
     */
    boolean hasDomainFilter(String domain) throws IOException {
        if (!CpanelAccounts.isSafeFileName(domain)) {
            return false;
        }
        for (String line : lines(root.resolve("etc/vfilters").resolve(domain), MAX_FILE_BYTES)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                return true;
            }
        }
        return false;
    }

    /** True if the domain has a DKIM key, which sends its mail through cPanel's dkim_ router. */
    boolean hasDkimKey(String domain) {
        return CpanelAccounts.isSafeFileName(domain)
                && Files.isRegularFile(root.resolve("var/cpanel/domain_keys/private").resolve(domain));
    }

    /**
     * The home directory of a cPanel account: its {@code etc/passwd} line's sixth field, else
     * {@code /home/<user>}; as a path inside the root, or null for an unsafe user name or a home
     * outside the root.
     */
    Path home(String user) throws IOException {
        if (!CpanelAccounts.isSafeFileName(user)) {
            return null;
        }
        if (homes == null) {
            homes = new HashMap<>();
            for (String line : lines(root.resolve("etc/passwd"), MAX_FILE_BYTES)) {
                String[] f = line.split(":", -1);
                if (f.length >= 6 && !f[0].isEmpty()) {
                    homes.putIfAbsent(f[0], f[5]);
                }
            }
        }
        return underRoot(homes.getOrDefault(user, "/home/" + user));
    }

    /**
     * The mailbox {@code localPart} of {@code domain} in the account {@code user}: its line of
     * {@code <home>/etc/<domain>/passwd}. Null when there is none.
     */
    Mailbox mailbox(String user, String domain, String localPart) throws IOException {
        Path home = home(user);
        if (home == null || !CpanelAccounts.isSafeFileName(domain)) {
            return null;
        }
        String wanted = localPart.toLowerCase(Locale.ROOT);
        for (String line : lines(home.resolve("etc").resolve(domain).resolve("passwd"), MAX_FILE_BYTES)) {
            String[] f = line.split(":", -1);
            if (f[0].toLowerCase(Locale.ROOT).equals(wanted)) {
                return new Mailbox(f[0], f.length >= 6 && !f[5].isEmpty() ? f[5] : null);
            }
        }
        return null;
    }

    /** One email account: its name and, when the passwd line gives one, its mail directory. */
    record Mailbox(String name, String directory) {
    }

    /**
     * The items of an {@code :include:} file, read only when it lies inside {@code home} (a
     * forwarder may not read another account's or the system's files through the trace).
     *
     * @throws IOException saying why the file was not read
     */
    List<String> include(String path, Path home) throws IOException {
        Path file = underRoot(path);
        if (file == null || home == null || !file.startsWith(home)) {
            throw new IOException("not read: only files inside the account's home directory are");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("the file does not exist");
        }
        // A link inside the home may point anywhere: compare where both really are.
        if (!file.toRealPath().startsWith(home.toRealPath())) {
            throw new IOException("not read: it links outside the account's home directory");
        }
        List<String> items = new ArrayList<>();
        for (String line : lines(file, MAX_INCLUDE_BYTES)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                items.add(s);
            }
        }
        return items;
    }

    /** An absolute path of the server as a path under the root, or null when it would leave it. */
    Path underRoot(String absolute) {
        if (absolute == null || !absolute.startsWith("/") || absolute.indexOf('\0') >= 0) {
            return null;
        }
        Path p;
        try {
            p = root.resolve(absolute.substring(1)).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return p.startsWith(root) ? p : null;
    }

    /** The lines of a file, none when it is missing; refuses files over {@code limit} bytes. */
    private static List<String> lines(Path file, long limit) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        if (size > limit) {
            throw new IOException(file.getFileName() + " is " + size + " bytes, more than the " + limit
                    + " a trace reads");
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return lines;
    }
}
