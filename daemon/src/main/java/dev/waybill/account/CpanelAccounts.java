package dev.waybill.account;

import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who owns what on a cPanel server, read from its account files under a root directory
 * ({@code /} on a real server, a temporary tree in tests).
 *
 * <ul>
 *   <li>{@code etc/userdomains}: {@code domain: user} for every domain, with a {@code *: nobody}
 *       catch-all that owns nothing;</li>
 *   <li>{@code etc/trueuserowners}: {@code user: owner}, the owner being root or a reseller;</li>
 *   <li>{@code var/cpanel/resellers}: {@code reseller:acl,acl,...}, who is a reseller (also those
 *       owning an account in {@code etc/trueuserowners});</li>
 *   <li>{@code etc/valiases/<domain>}: forwarders, {@code alias@domain: dest, dest}
 *       (see {@link DomainForwarders});</li>
 *   <li>{@code var/cpanel/users/<user>}: {@code KEY=VALUE} lines, of which only
 *       {@code STARTDATE}, when the account was created (see {@link AccountStartDates}).</li>
 * </ul>
 *
 * <p>An account is a name on the right of {@code etc/userdomains} or on the left of
 * {@code etc/trueuserowners}, except the system users of {@link #isSystemName}.
 *
 * <p>On a server without cPanel the files are absent and every lookup answers null. Immutable;
 * reload by reading again.
 */
public final class CpanelAccounts {

    private static final Set<String> SYSTEM_NAMES = Set.of("root", "nobody", "cpanel", "mail", "mailnull");

    private final Path root;
    private final Map<String, String> domainOwners;
    private final Map<String, String> resellerOf;
    private final Set<String> users;
    private final Set<String> resellers;
    /** Forwarders per domain, read on first use: most domains never need them. */
    private final Map<String, DomainForwarders> forwarders = new ConcurrentHashMap<>();
    private final AccountStartDates startDates;

    private CpanelAccounts(Path root, Map<String, String> domainOwners, Map<String, String> resellerOf,
            Set<String> listedResellers) {
        this.root = root;
        this.domainOwners = domainOwners;
        this.resellerOf = resellerOf;
        this.users = new HashSet<>(domainOwners.values());
        this.users.addAll(resellerOf.keySet());
        this.resellers = new HashSet<>(listedResellers);
        this.resellers.addAll(resellerOf.values());
        this.resellers.remove("root");
        this.resellers.removeIf(CpanelAccounts::isSystemName);
        this.startDates = new AccountStartDates(root);
    }

    /** No accounts: the answer on a plain Exim server. */
    public static CpanelAccounts none() {
        return new CpanelAccounts(null, Map.of(), Map.of(), Set.of());
    }

    /**
     * Reads the account files under {@code root}. A missing file means no accounts of that kind;
     * a malformed line is skipped, and bytes that are not UTF-8 read as U+FFFD.
     *
     * @throws IOException if a file exists but cannot be read
     */
    public static CpanelAccounts read(Path root) throws IOException {
        Map<String, String> owners = colonMap(root.resolve("etc/userdomains"), true);
        owners.remove("*");
        // A system user is never an account: the domains it is written against own nothing, so
        // that no uid such as nobody's (PHP without suEXEC) is ever taken for an account.
        owners.values().removeIf(CpanelAccounts::isSystemName);
        Map<String, String> resellerOf = colonMap(root.resolve("etc/trueuserowners"), false);
        resellerOf.keySet().removeIf(CpanelAccounts::isSystemName);
        Set<String> listed = colonMap(root.resolve("var/cpanel/resellers"), false, true).keySet();
        return new CpanelAccounts(root, owners, resellerOf, listed);
    }

    /**
     * System users cPanel never gives to an account, whatever its files say: {@code root},
     * {@code nobody} (the web server's user, and {@code etc/userdomains}' catch-all), and those
     * cPanel's mail runs as.
     */
    public static boolean isSystemName(String name) {
        return name != null && SYSTEM_NAMES.contains(name);
    }

    private static Map<String, String> colonMap(Path file, boolean lowerKeys) throws IOException {
        return colonMap(file, lowerKeys, false);
    }

    private static Map<String, String> colonMap(Path file, boolean lowerKeys, boolean allowEmptyValues)
            throws IOException {
        Map<String, String> map = new HashMap<>();
        List<String> lines;
        try {
            // Bytes that are not UTF-8 become U+FFFD (as in forwarder files): one such byte must not
            // keep the daemon from starting, nor freeze the accounts it knows.
            lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (NoSuchFileException e) {
            return map;
        }
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (!key.isEmpty() && (allowEmptyValues || !value.isEmpty())) {
                map.put(lowerKeys ? key.toLowerCase(Locale.ROOT) : key, value);
            }
        }
        return map;
    }

    /** Whether {@code etc/userdomains} named any domain (its {@code *} aside). */
    boolean hasDomains() {
        return !domainOwners.isEmpty();
    }

    /** Whether {@code etc/trueuserowners} named any account. */
    boolean hasAccountOwners() {
        return !resellerOf.isEmpty();
    }

    /** The cPanel user owning {@code domain}, or null. */
    public String ownerOfDomain(String domain) {
        if (domain == null || domainOwners.isEmpty()) {
            return null;
        }
        String owner = domainOwners.get(domain);
        if (owner != null) {
            return owner;
        }
        String key = lookupForm(domain);
        return key == null ? null : domainOwners.get(key);
    }

    /**
     * {@code domain} as cPanel's files name it: lower case, without a final dot, and an
     * internationalised name (as a client using SMTPUTF8 writes it, {@code münchen.example}) in its
     * ASCII form ({@code xn--mnchen-3ya.example}); null when it cannot be a domain.
     */
    static String lookupForm(String domain) {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        boolean ascii = true;
        for (int i = 0; i < d.length() && ascii; i++) {
            ascii = d.charAt(i) < 128;
        }
        if (!ascii) {
            try {
                d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException notADomain) {
                return null;
            }
        }
        return d.toLowerCase(Locale.ROOT);
    }

    /** The cPanel user owning the domain of {@code address}, or null. */
    public String ownerOfAddress(String address) {
        String domain = domainOf(address);
        return domain == null ? null : ownerOfDomain(domain);
    }

    /** True if {@code name} is a cPanel account. */
    public boolean isUser(String name) {
        return name != null && users.contains(name);
    }

    /**
     * When {@code user} (an account or a reseller) was created on this server, unix seconds
     * ({@code STARTDATE} in {@code var/cpanel/users/<user>}), or 0 when that is not known.
     */
    public long startDate(String user) {
        return startDates.startDate(user);
    }

    /** The reseller (or root) owning {@code user}, or null. */
    public String ownerOfUser(String user) {
        return resellerOf.get(user);
    }

    /**
     * True if {@code name} is a reseller: listed in {@code var/cpanel/resellers} or owning an
     * account in {@code etc/trueuserowners}. Root is not a reseller.
     */
    public boolean isReseller(String name) {
        return name != null && resellers.contains(name);
    }

    /** The accounts {@code owner} owns in {@code etc/trueuserowners}; empty when none. */
    public Set<String> usersOwnedBy(String owner) {
        Set<String> owned = new HashSet<>();
        for (Map.Entry<String, String> e : resellerOf.entrySet()) {
            if (e.getValue().equals(owner)) {
                owned.add(e.getKey());
            }
        }
        return Set.copyOf(owned);
    }

    /**
     * Where the forwarder {@code address} sends mail ({@code etc/valiases/<domain>}, falling back to
     * the domain's {@code *} default address), as written there: addresses, {@code :fail:} texts,
     * pipes. Empty when it is not a forwarder or the file
     * cannot be read (a forwarder lookup only sharpens a report; it never stops one).
     */
    public List<String> forwarderTargets(String address) {
        String domain = domainOf(address);
        if (domain == null) {
            return List.of();
        }
        DomainForwarders map;
        try {
            map = forwarders(domain);
        } catch (IOException e) {
            return List.of();
        }
        List<String> targets = map.exact(address);
        if (targets == null) {
            targets = map.catchAll(); // the domain's default address catches everything else
        }
        return targets == null ? List.of() : targets;
    }

    /**
     * The forwarders of {@code domain}, {@code etc/valiases/<domain>}, read once per instance.
     * A name that could leave {@code etc/valiases/} (a slash, a leading dot, anything but a
     * host name's letters) has none.
     *
     * @throws IOException if the file exists but cannot be read or is too large (see
     *     {@link DomainForwarders#read}); not remembered, so a later call tries again
     */
    public DomainForwarders forwarders(String domain) throws IOException {
        if (root == null) {
            return DomainForwarders.none();
        }
        String key = lookupForm(domain);
        if (key == null || !isSafeFileName(key)) {
            return DomainForwarders.none();
        }
        DomainForwarders known = forwarders.get(key);
        if (known == null) {
            known = DomainForwarders.read(root.resolve("etc/valiases").resolve(key));
            forwarders.putIfAbsent(key, known);
        }
        return known;
    }

    /**
     * True if {@code name} can name a file inside a directory and nothing else: letters, digits,
     * {@code - _ .}, not starting with a dot, at most 255 characters. Domains and cPanel user
     * names pass; {@code ..}, {@code a/b} and the empty string do not.
     */
    public static boolean isSafeFileName(String name) {
        if (name == null || name.isEmpty() || name.length() > 255 || name.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The part after the last {@code @}, or null when there is none. */
    public static String domainOf(String address) {
        if (address == null) {
            return null;
        }
        int at = address.lastIndexOf('@');
        return at < 0 || at == address.length() - 1 ? null : address.substring(at + 1);
    }
}
