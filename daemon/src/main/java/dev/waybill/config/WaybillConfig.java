package dev.waybill.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Waybill's configuration: one {@code key = value} file, {@code /etc/waybill/waybill.conf} by
 * default ({@code --config FILE} on every command). Every key, its default and its meaning is in
 * the commented reference file shipped as {@code packaging/waybill.conf}.
 *
 * <p>Everything is validated when the file is read; a wrong value stops start-up with a
 * {@link ConfigException} naming the file, the line and the key. An unknown key is an error too,
 * so that a typo never silently leaves a default in force. Immutable.
 */
public final class WaybillConfig {

    /** Where the configuration lives unless {@code --config} says otherwise. */
    public static final Path DEFAULT_FILE = Path.of("/etc/waybill/waybill.conf");

    /** Main logs looked for, in order, when {@code log.path} is not set: cPanel's, Debian's, others'. */
    public static final List<Path> DEFAULT_LOG_PATHS = List.of(Path.of("/var/log/exim_mainlog"),
            Path.of("/var/log/exim4/mainlog"), Path.of("/var/log/exim/mainlog"));
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/waybill/waybill.sock");
    public static final Path DEFAULT_CPANEL_ROOT = Path.of("/");
    /** cPanel keeps 10 days of Track Delivery; Waybill keeps a month unless told otherwise. */
    public static final int DEFAULT_RETENTION_DAYS = 30;
    public static final int MAX_RETENTION_DAYS = 3650;
    public static final int DEFAULT_POOL_SIZE = 4;
    /**
     * The least {@code socketTimeout} (milliseconds) {@code db.url} should set, 0 (no bound) aside:
     * above the 50 s a write waits for another session's lock (the store's {@code Database}), so
     * that a lock wait ends with the database naming the lock, not with the connection given up
     * as lost and the lock taken for an outage.
     */
    static final int MIN_SOCKET_TIMEOUT_MS = 60_000;
    /**
     * The kernel's host name, what uname(2) answers: read from a file, so that the default
     * {@code server.id} never waits for, or depends on, a name lookup.
     */
    static final Path KERNEL_HOST_NAME = Path.of("/proc/sys/kernel/hostname");
    /** Where the installer puts plugin/: the page templates are read from its templates/ and static/. */
    public static final Path DEFAULT_PLUGIN_PATH = Path.of("/usr/local/waybill/plugin");
    /** The admin page's token, written by install.sh (mode 0600) on servers without cPanel. */
    public static final Path DEFAULT_ADMIN_TOKEN_FILE = Path.of("/etc/waybill/admin.token");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern SERVER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> KEYS = Set.of("db.url", "db.user", "db.password", "db.pool.size", "log.path",
            "log.timezone", "cpanel.root", "socket.path", "server.id", "retention.days", "plugin.path",
            "admin.listen", "admin.token.file");
    /** Keys that may be set to nothing: a password may be empty, and an empty admin.listen is "off". */
    private static final Set<String> MAY_BE_EMPTY = Set.of("db.password", "admin.listen");

    private final Path source;
    private final String dbUrl;
    private final String dbUser;
    private final String dbPassword;
    private final int dbPoolSize;
    private final Path logPath;
    private final ZoneId logTimezone;
    private final Path cpanelRoot;
    private final Path socketPath;
    private final String serverId;
    private final String serverIdNote;
    private final int retentionDays;
    private final Path pluginPath;
    private final InetSocketAddress adminListen;
    private final Path adminTokenFile;
    private final List<String> warnings;

    private WaybillConfig(Path source, Map<String, String> v, List<String> warnings, Path hostNameFile)
            throws ConfigException {
        this.source = source;
        this.warnings = List.copyOf(warnings);
        for (Map.Entry<String, String> e : v.entrySet()) {
            if (!e.getKey().equals("db.password") && quoted(e.getValue())) {
                // Shown as written: the value's own quotes are the problem.
                throw new ConfigException(e.getKey(), e.getKey() + " = " + e.getValue() + " is not valid: drop the"
                        + " quotes (a value is taken as written, up to the end of its line)");
            }
        }
        dbUrl = v.get("db.url");
        if (dbUrl != null) {
            checkDbUrl(dbUrl);
        }
        dbUser = v.get("db.user");
        dbPassword = v.getOrDefault("db.password", "");
        dbPoolSize = intValue(v, "db.pool.size", DEFAULT_POOL_SIZE, 1, 64);
        logPath = v.containsKey("log.path") ? absolutePath(v, "log.path", null) : firstExisting(DEFAULT_LOG_PATHS);
        if (Files.isDirectory(logPath)) {
            throw bad("log.path", logPath.toString(), "Exim's main log file, not a directory");
        }
        try {
            logTimezone = v.containsKey("log.timezone") ? ZoneId.of(v.get("log.timezone")) : ZoneId.systemDefault();
        } catch (DateTimeException e) {
            throw bad("log.timezone", v.get("log.timezone"), "a zone such as UTC or Europe/Berlin");
        }
        cpanelRoot = absolutePath(v, "cpanel.root", DEFAULT_CPANEL_ROOT);
        if (!Files.isDirectory(cpanelRoot)) {
            throw bad("cpanel.root", cpanelRoot.toString(), "an existing directory (/ on a cPanel server)");
        }
        socketPath = absolutePath(v, "socket.path", DEFAULT_SOCKET);
        if (v.containsKey("server.id")) {
            String id = v.get("server.id");
            if (!SERVER_ID.matcher(id).matches()) {
                throw bad("server.id", id, "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            // Table server compares names without regard to case, as host names are compared:
            // WEB3 and web3 are one server there, so they are one name here too.
            serverId = id.toLowerCase(Locale.ROOT);
            serverIdNote = null;
        } else {
            String host = kernelHostName(hostNameFile);
            String shortName = host == null ? null : shortHostName(host);
            if (shortName != null && SERVER_ID.matcher(shortName).matches() && !shortName.equals("localhost")) {
                serverId = shortName;
                serverIdNote = null;
            } else {
                // What earlier versions wrote under when the host name did not resolve: a server
                // (a VPS named localhost, say) that ran them goes on with its history. Said, since
                // a second such server sharing the database would write as the same server.
                serverId = "localhost";
                serverIdNote = "server.id is not set and " + (host == null ? "the host name cannot be read from "
                        + hostNameFile : "the host name '" + host + "' cannot tell this server from another")
                        + ": rows are stored as server 'localhost'; set server.id (e.g. server.id = web1) before"
                        + " another server shares the database, or keep server.id = localhost for this history";
            }
        }

        retentionDays = intValue(v, "retention.days", DEFAULT_RETENTION_DAYS, 1, MAX_RETENTION_DAYS);
        pluginPath = absolutePath(v, "plugin.path", DEFAULT_PLUGIN_PATH);
        String listen = v.getOrDefault("admin.listen", "");
        adminListen = listen.isEmpty() ? null : loopbackAddress("admin.listen", listen);
        adminTokenFile = absolutePath(v, "admin.token.file", DEFAULT_ADMIN_TOKEN_FILE);
    }

    /** The defaults alone, as on a machine without a configuration file. */
    public static WaybillConfig defaults() {
        try {
            return new WaybillConfig(null, Map.of(), List.of(), KERNEL_HOST_NAME);
        } catch (ConfigException e) {
            throw new IllegalStateException("the defaults must be valid: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws ConfigException naming the file, the line or key, and what is wrong
     */
    public static WaybillConfig read(Path file) throws ConfigException {
        return read(file, KERNEL_HOST_NAME);
    }

    /** Reads {@code file} on a host whose kernel host name is in {@code hostNameFile}. */
    static WaybillConfig read(Path file, Path hostNameFile) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw ConfigException.unreadable(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw ConfigException.unreadable(file + ": permission denied");
        } catch (MalformedInputException e) {
            throw notUtf8(file);
        } catch (IOException e) {
            throw ConfigException.unreadable(file + ": cannot read: " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            // A byte order mark, as some Windows editors write, is not part of the first key.
            String line = (i == 0 && lines.get(i).startsWith("\uFEFF") ? lines.get(i).substring(1) : lines.get(i)).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(file + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            if (!KEYS.contains(key)) {
                throw new ConfigException(file + ":" + (i + 1) + ": unknown key '" + key + "' (known: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
            if (values.put(key, value) != null) {
                throw new ConfigException(file + ":" + (i + 1) + ": '" + key + "' is set twice");
            }
            lineOf.put(key, i + 1);
            if (value.isEmpty() && !MAY_BE_EMPTY.contains(key)) {
                throw new ConfigException(file + ":" + (i + 1) + ": '" + key + "' is empty; remove the line to use the default");
            }
        }
        List<String> warnings = new ArrayList<>();
        if (values.containsKey("db.password") && readableByOthers(file)) {
            warnings.add(file + " holds db.password but others may read it: chmod 600 " + file);
        }
        org.mariadb.jdbc.Configuration driver = values.containsKey("db.url") ? driverOptions(values.get("db.url")) : null;
        Integer socketTimeout = driver == null ? null : driver.socketTimeout();
        if (socketTimeout != null && socketTimeout != 0 && socketTimeout < MIN_SOCKET_TIMEOUT_MS) {
            // Said, not refused: a short one is how a test sees a silent database quickly.
            warnings.add(file + ":" + lineOf.get("db.url") + ": db.url sets socketTimeout=" + socketTimeout
                    + " (ms), less than a minute: a write waits up to 50 s for another session's lock, and such a"
                    + " lock would be taken for the database gone away; set at least " + MIN_SOCKET_TIMEOUT_MS);
        }
        if (driver != null) {
            // Said, not refused: a plugin of the driver (credentials, say) may read options of its own.
            for (String option : new java.util.TreeSet<>(driver.nonMappedOptions().stringPropertyNames())) {
                String known = closestDriverOption(option);
                warnings.add(file + ":" + lineOf.get("db.url") + ": db.url sets '" + option + "', which Connector/J"
                        + " does not know and ignores" + (known == null ? "" : "; did you mean " + known + "?"));
            }
        }
        if (values.containsKey("db.password") && quoted(values.get("db.password"))) {
            // A password may hold any character, quotes too, so this is said, not refused.
            warnings.add(file + ":" + lineOf.get("db.password") + ": db.password is wrapped in quotes, and they are"
                    + " part of the password as written; remove them unless the password has them");
        }
        try {
            return new WaybillConfig(file, values, warnings, hostNameFile);
        } catch (ConfigException e) {
            // A value the file set is found by its line; a default that does not fit (no log at
            // the default path, a host name that cannot name the server) has none.
            Integer line = e.key() == null ? null : lineOf.get(e.key());
            throw new ConfigException(file + (line == null ? "" : ":" + line) + ": " + e.getMessage());
        }
    }

    /**
     * Where {@code file} is not UTF-8 (saved in Latin-1, say): the first such line, with its key
     * (never its value, which may be the password); the file alone should it change meanwhile.
     */
    private static ConfigException notUtf8(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder();
            int start = 0;
            for (int line = 1; start <= bytes.length; line++) {
                int end = start;
                while (end < bytes.length && bytes[end] != '\n') {
                    end++;
                }
                try {
                    strict.decode(ByteBuffer.wrap(bytes, start, end - start));
                } catch (CharacterCodingException e) {
                    String text = new String(bytes, start, end - start, StandardCharsets.UTF_8).strip();
                    int eq = text.indexOf('=');
                    String what = text.startsWith("#") ? "a comment"
                            : eq > 0 ? "'" + text.substring(0, eq).strip().toLowerCase(Locale.ROOT) + "'" : "the line";
                    return new ConfigException(file + ":" + line + ": " + what + " is not UTF-8 text; save the file"
                            + " as UTF-8");
                }
                start = end + 1;
            }
        } catch (IOException e) {
            // said without the line
        }
        return new ConfigException(file + ": not UTF-8 text; save the file as UTF-8");
    }

    /**
     * The configuration a command runs with: {@code explicit} if given (it must exist), else the
     * default file if it exists, else the defaults.
     */
    public static WaybillConfig load(Path explicit) throws ConfigException {
        return load(explicit, DEFAULT_FILE);
    }

    /** {@link #load(Path)} with the default file at {@code defaultFile}. */
    public static WaybillConfig load(Path explicit, Path defaultFile) throws ConfigException {
        if (explicit != null) {
            return read(explicit);
        }
        return Files.exists(defaultFile) ? read(defaultFile) : defaults();
    }

    /**
     * Checks that the database is configured, for the commands that need one.
     *
     * @throws ConfigException naming the missing key
     */
    public WaybillConfig requireDatabase() throws ConfigException {
        String where = source == null ? "no configuration file (" + DEFAULT_FILE + ")" : source.toString();
        if (dbUrl == null) {
            throw new ConfigException(where + ": db.url is not set; this command needs the database");
        }
        if (dbUser == null) {
            throw new ConfigException(where + ": db.user is not set; this command needs the database");
        }
        return this;
    }

    private static int intValue(Map<String, String> v, String key, int def, int min, int max) throws ConfigException {
        String text = v.get(key);
        if (text == null) {
            return def;
        }
        // ASCII digits only: Integer.parseInt also takes other scripts' digits.
        if (!text.isEmpty() && text.length() <= 9 && text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        }
        throw bad(key, text, "a whole number from " + min + " to " + max);
    }

    /** A URL the MariaDB driver can parse: a malformed one would only fail at the first connection. */
    private static void checkDbUrl(String url) throws ConfigException {
        String expected = "a MariaDB JDBC URL such as jdbc:mariadb://127.0.0.1:3306/waybill";
        if (!url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
            throw bad("db.url", url, expected);
        }
        if (url.startsWith("jdbc:mysql:") && !org.mariadb.jdbc.Configuration.acceptsUrl(url)) {
            // MariaDB's driver talks to MySQL too, but since its version 3 answers to jdbc:mysql:
            // only when the URL says permitMysqlScheme; without it no driver takes the URL.
            throw bad("db.url", url, "jdbc:mariadb:" + url.substring("jdbc:mysql:".length())
                    + " (jdbc:mariadb: for MySQL as well: Waybill's driver, MariaDB Connector/J, takes"
                    + " jdbc:mysql: only with permitMysqlScheme)");
        }
        org.mariadb.jdbc.Configuration parsed;
        try {
            parsed = org.mariadb.jdbc.Configuration.parse(url);
        } catch (java.sql.SQLException | RuntimeException e) {
            throw bad("db.url", url, expected + " (" + e.getMessage() + ")");
        }
        if (parsed == null) {
            throw bad("db.url", url, expected);
        }
        // Without one the driver connects, and the first statement fails with "No database
        // selected": a start-up that stops on the database, not on this key.
        if (parsed.database() == null || parsed.database().isEmpty()) {
            throw bad("db.url", url, "the database's name after the host and port, as in " + url.replaceFirst(
                    "^(jdbc:[a-z]+:(?:[a-z]+:)?//[^/?]*)/?", "$1/waybill"));
        }
        // The driver takes any number as a port and fails only when it connects, over and over
        // for the daemon, which would wait for the database for ever.
        for (org.mariadb.jdbc.HostAddress address : parsed.addresses()) {
            if (address.port < 1 || address.port > 65_535) {
                throw bad("db.url", url, "a port from 1 to 65535 after the host (3306 when left out), not "
                        + address.port);
            }
        }
    }

    /** The driver's reading of {@code url}, or null when it cannot read it (said elsewhere). */
    private static org.mariadb.jdbc.Configuration driverOptions(String url) {
        try {
            return org.mariadb.jdbc.Configuration.acceptsUrl(url) ? org.mariadb.jdbc.Configuration.parse(url) : null;
        } catch (java.sql.SQLException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The option of Connector/J whose name is nearest {@code option}'s, ignoring case, if a
     * misspelling is likely (at most two letters apart, or one name the start of the other).
     */
    static String closestDriverOption(String option) {
        String wanted = option.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (java.lang.reflect.Field f : org.mariadb.jdbc.Configuration.Builder.class.getDeclaredFields()) {
            String name = f.getName();
            if (name.startsWith("_") || java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            boolean prefix = Math.min(lower.length(), wanted.length()) >= 4
                    && (lower.startsWith(wanted) || wanted.startsWith(lower));
            int d = prefix ? 1 : distance(wanted, lower);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        return bestDistance <= 2 ? best : null;
    }

    /** Letters to insert, delete or change to turn {@code a} into {@code b} (Levenshtein). */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int change = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(change, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A value written in matching quotes, as shell and INI files have them: here they would be kept. */
    private static boolean quoted(String value) {
        return value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                && value.charAt(value.length() - 1) == value.charAt(0);
    }

    /**
     * The path {@code key} sets, or {@code def}. A relative one is refused: it would be taken from
     * the working directory of whoever runs the command, which for the daemon is not where the
     * file is.
     */
    private static Path absolutePath(Map<String, String> v, String key, Path def) throws ConfigException {
        String text = v.get(key);
        if (text == null) {
            return def;
        }
        Path p;
        try {
            p = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw bad(key, text, "an absolute path (" + e.getReason() + ")");
        }
        if (!p.isAbsolute()) {
            throw bad(key, text, "an absolute path");
        }
        return p;
    }

    private static ConfigException bad(String key, String value, String expected) {
        return new ConfigException(key, key + " = '" + value + "' is not valid: expected " + expected);
    }

    /**
     * {@code host:port} with a loopback IP address ({@code 127.0.0.1}, any of {@code 127/8},
     * {@code [::1]}, or {@code localhost} for {@code 127.0.0.1}); port 0 takes any free port.
     * Names other than localhost are refused rather than looked up, so that what the page binds
     * to is exactly what the file says.
     */
    static InetSocketAddress loopbackAddress(String key, String text) throws ConfigException {
        String expected = "a loopback address and port such as 127.0.0.1:8470 or [::1]:8470";
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw bad(key, text, expected);
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
                throw bad(key, text, expected);
            }
        } else if (host.equalsIgnoreCase("localhost")) {
            host = "127.0.0.1";
        } else if (!IPV4.matcher(host).matches()) {
            throw bad(key, text, expected + " (an IP address, not a name)");
        } else {
            for (String octet : host.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw bad(key, text, expected);
                }
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65_535) {
            throw bad(key, text, "a port from 0 (any free one) to 65535 after the address");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw bad(key, text, expected);
        }
        if (!address.isLoopbackAddress()) {
            throw bad(key, text, expected + "; the admin page never listens on another interface"
                    + " (reach it from elsewhere through an SSH tunnel)");
        }
        return new InetSocketAddress(address, port);
    }

    /**
     * The first candidate that is a file. Looked up with stat, not {@code Files.exists}: that asks
     * access(2), which judges by the real uid and ignores capabilities, so the daemon's own user
     * would not see Debian's {@code /var/log/exim4/mainlog} (directory 2750 Debian-exim:adm) that
     * CAP_DAC_READ_SEARCH lets it read.
     */
    private static Path firstExisting(List<Path> candidates) {
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return candidates.get(0);
    }

    /**
     * The kernel's host name, or null when it cannot be read. Not {@code InetAddress.getLocalHost}:
     * that looks the name up, and answers "localhost" when the lookup fails, so that a host
     * missing from DNS, or a lookup failing at one start, would write under another server's id.
     */
    private static String kernelHostName(Path file) {
        try {
            String name = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return name.isEmpty() || name.equals("(none)") ? null : name;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code Web17.dc1.example.net} is {@code web17}: the name up to the first dot, in lower case. */
    static String shortHostName(String host) {
        int dot = host.indexOf('.');
        return (dot > 0 ? host.substring(0, dot) : host).toLowerCase(Locale.ROOT);
    }

    private static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The file this came from, or null for the defaults. */
    public Path source() {
        return source;
    }

    /** {@code db.url}, or null when not set. */
    public String dbUrl() {
        return dbUrl;
    }

    /** {@code db.user}, or null when not set. */
    public String dbUser() {
        return dbUser;
    }

    /** {@code db.password}, empty when not set. */
    public String dbPassword() {
        return dbPassword;
    }

    /** {@code db.pool.size}: connections the daemon keeps to MariaDB. */
    public int dbPoolSize() {
        return dbPoolSize;
    }

    /** {@code log.path}: Exim's main log. */
    public Path logPath() {
        return logPath;
    }

    /** {@code log.timezone}: the zone of timestamps that carry none. */
    public ZoneId logTimezone() {
        return logTimezone;
    }

    /** {@code cpanel.root}: where cPanel's account files live. */
    public Path cpanelRoot() {
        return cpanelRoot;
    }

    /** {@code socket.path}: where the daemon listens. */
    public Path socketPath() {
        return socketPath;
    }

    /**
     * {@code server.id}: this server's name on every row (many servers can share one database).
     * Unset, the host name up to its first dot, or 'localhost' when that cannot tell servers
     * apart ({@link #serverIdNote()} then says so).
     */
    public String serverId() {
        return serverId;
    }

    /** Why an unset server.id is 'localhost', for the commands that write rows to say; else null. */
    public String serverIdNote() {
        return serverIdNote;
    }

    /** {@code retention.days}: how long rows are kept. */
    public int retentionDays() {
        return retentionDays;
    }

    /**
     * {@code plugin.path}: the installed plugin directory. The daemon renders the pages from its
     * {@code templates/} and {@code static/} when they exist, else from the copies in its jar.
     */
    public Path pluginPath() {
        return pluginPath;
    }

    /**
     * {@code admin.listen}: where the embedded admin page (servers without cPanel) listens, always
     * a loopback address; empty when the page is off (the default).
     */
    public Optional<InetSocketAddress> adminListen() {
        return Optional.ofNullable(adminListen);
    }

    /** {@code admin.token.file}: the file holding the admin page's token (root only, mode 0600). */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** Things worth saying that do not stop start-up, such as a password file others can read. */
    public List<String> warnings() {
        return warnings;
    }
}
