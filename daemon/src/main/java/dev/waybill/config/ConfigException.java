package dev.waybill.config;

/**
 * A configuration value that is missing or wrong. The message is one line that names the file,
 * the key and what would be right, meant to be printed as it is in place of a stack trace.
 */
public final class ConfigException extends Exception {

    /** The key whose value is wrong, or null when the problem is not one key's. */
    private final String key;
    /** Whether the file itself could not be read, as opposed to saying something wrong. */
    private final boolean unreadable;

    public ConfigException(String message) {
        this(null, message, false);
    }

    /** A problem with the value of {@code key}, so that the reader can add the line it was set on. */
    ConfigException(String key, String message) {
        this(key, message, false);
    }

    private ConfigException(String key, String message, boolean unreadable) {
        super(message);
        this.key = key;
        this.unreadable = unreadable;
    }

    /** The file could not be read at all (missing, permission denied, an I/O error). */
    static ConfigException unreadable(String message) {
        return new ConfigException(null, message, true);
    }

    /**
     * Whether the file could not be read at all, rather than said something wrong: a command that
     * needs none of its secrets may then go on with the defaults.
     */
    public boolean unreadable() {
        return unreadable;
    }

    /** The key whose value is wrong, or null when the problem is not one key's. */
    String key() {
        return key;
    }
}
