package dev.waybill.trace;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.account.DomainForwarders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * one trace: {@code etc/localdomains}, {@code etc/remotedomains}, {@code etc/secondarymx},
 * {@code etc/vfilters/<domain>},
 * {@code etc/passwd} (account homes), {@code <home>/etc/<domain>/passwd} (mailboxes) and
 * {@code var/cpanel/domain_keys/private/<domain>} (DKIM keys). Every file name built from a
 * domain or user name is checked with {@link CpanelAccounts#isSafeFileName} first, and every
 * absolute path read from a file is kept inside the root. A file in an account's home is the
 * account's to make anything (a FIFO, a link to a device or into another account): it is read only
 * when it really is a regular file inside that home, and no file is read past its size limit,
 * whatever its size said. A mailbox or include file is read once per trace. Internal to the trace; not
 * thread-safe.
 */
final class CpanelMailFiles {

    /** No routing file of ours is anywhere near this big; a bigger one is refused, not read. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    /** {@code :include:} lists are read up to this size. */
    static final long MAX_INCLUDE_BYTES = 1024 * 1024;

    private final Path root;
    private final Set<String> localDomains;
    private final Set<String> remoteDomains;
    private final Set<String> secondaryMx;
    private Map<String, String> homes;
    private final Map<String, MailboxFile> mailboxFiles = new HashMap<>();
    private final Map<String, Included> includes = new HashMap<>();

    private CpanelMailFiles(Path root, Set<String> localDomains, Set<String> remoteDomains, Set<String> secondaryMx) {
        this.root = root;
        this.localDomains = localDomains;
        this.remoteDomains = remoteDomains;
        this.secondaryMx = secondaryMx;
    }

    /** Reads the domain lists under {@code root}; missing files are empty lists. */
    static CpanelMailFiles read(Path root) throws IOException {
        Path normalized = root.toAbsolutePath().normalize();
        return new CpanelMailFiles(normalized, domainList(normalized.resolve("etc/localdomains")),
                domainList(normalized.resolve("etc/remotedomains")), domainList(normalized.resolve("etc/secondarymx")));
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
     * Why this server sends a domain's mail away though it knows the domain, in words: listed in
     * {@code etc/secondarymx} (cPanel's backup MX domains, whose mail it accepts to pass on) or in
     * {@code etc/remotedomains}; null for a domain it does not know.
     */
    String remoteSetting(String domain) {
        if (secondaryMx.contains(domain)) {
            return "a backup MX domain, in etc/secondarymx";
        }
        return remoteDomains.contains(domain) ? "set to a remote mail exchanger, in etc/remotedomains" : null;
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
        if (!CpanelAccounts.isSafeFileName(domain)) {
            return null;
        }
        // Read once per trace: a forwarder with hundreds of targets on one domain would otherwise
        // read the account's file (up to MAX_FILE_BYTES, the account's to fill) once per target.
        MailboxFile known = mailboxFiles.get(user + "/" + domain);
        if (known == null) {
            try {
                known = new MailboxFile(readMailboxes(user, domain), null);
            } catch (IOException e) {
                known = new MailboxFile(Map.of(), e);
            }
            mailboxFiles.put(user + "/" + domain, known);
        }
        if (known.failure() != null) {
            throw new IOException(known.failure().getMessage(), known.failure());
        }
        return known.boxes().get(localPart.toLowerCase(Locale.ROOT));
    }

    /** The mailboxes of one domain by lower-case name, the first line of a name winning. */
    private Map<String, Mailbox> readMailboxes(String user, String domain) throws IOException {
        Path home = home(user);
        if (home == null) {
            return Map.of();
        }
        Path file = insideHome(home.resolve("etc").resolve(domain).resolve("passwd"), home);
        if (file == null) {
            return Map.of();
        }
        Map<String, Mailbox> boxes = new HashMap<>();
        for (String line : lines(file, MAX_FILE_BYTES)) {
            String[] f = line.split(":", -1);
            boxes.putIfAbsent(f[0].toLowerCase(Locale.ROOT),
                    new Mailbox(f[0], f.length >= 6 && !f[5].isEmpty() ? f[5] : null));
        }
        return boxes;
    }

    /** A mailbox file as read for this trace: its mailboxes, or why it could not be read. */
    private record MailboxFile(Map<String, Mailbox> boxes, IOException failure) {
    }

    /** One email account: its name and, when the passwd line gives one, its mail directory. */
    record Mailbox(String name, String directory) {
    }

    /**
     * The items of an {@code :include:} file (its lines split as a redirection list), read only
     * when it lies inside {@code home} (a forwarder may not read another account's or the
     * system's files through the trace).
     *
     * @throws IOException saying why the file was not read
     */
    List<String> include(String path, Path home) throws IOException {
        // Read once per trace: a list that includes itself many times would otherwise be read
        // again for every such line, until the trace's step limit.
        String key = home + "\0" + path;
        Included known = includes.get(key);
        if (known == null) {
            try {
                known = new Included(readInclude(path, home), null);
            } catch (IOException e) {
                known = new Included(List.of(), e);
            }
            includes.put(key, known);
        }
        if (known.failure() != null) {
            throw new IOException(known.failure().getMessage(), known.failure());
        }
        return known.items();
    }

    /** An {@code :include:} file as read for this trace: its items, or why it was not read. */
    private record Included(List<String> items, IOException failure) {
    }

    private List<String> readInclude(String path, Path home) throws IOException {
        Path file = underRoot(path);
        if (file == null || home == null || !file.startsWith(home)) {
            throw new IOException("not read: only files inside the account's home directory are");
        }
        Path real = insideHome(file, home);
        if (real == null) {
            throw new IOException("the file does not exist");
        }
        List<String> items = new ArrayList<>();
        for (String line : lines(real, MAX_INCLUDE_BYTES)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                items.addAll(DomainForwarders.splitTargets(s));
            }
        }
        return List.copyOf(items);
    }

    /**
     * Where {@code file}, a path in the account's {@code home}, really is, when that is a regular
     * file inside the home: a link inside the home may point anywhere, and a FIFO would hold the
     * trace until someone wrote to it.
     *
     * @return the file's real path, or null when there is nothing there
     * @throws IOException saying why the file is not read
     */
    private static Path insideHome(Path file, Path home) throws IOException {
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!real.startsWith(home.toRealPath())) {
            throw new IOException("not read: it links outside the account's home directory");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("not read: not a regular file");
        }
        return real;
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

    /**
     * The lines of a file, none when it is missing. Bytes that are not UTF-8 read as U+FFFD. A
     * file over {@code limit} bytes is refused, also one whose size said less (a device, a file
     * still growing): at most {@code limit + 1} bytes are read.
     */
    private static List<String> lines(Path file, long limit) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (NoSuchFileException e) {
            return List.of();
        }
        if (bytes.length > limit) {
            throw new IOException(file.getFileName() + " is more than the " + limit + " bytes a trace reads");
        }
        return new String(bytes, StandardCharsets.UTF_8).lines().toList();
    }
}
