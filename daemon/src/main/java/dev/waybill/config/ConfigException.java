package dev.waybill.config;

/**
 * A configuration value that is missing or wrong. The message is one line that names the file,
 * the key and what would be right, meant to be printed as it is in place of a stack trace.
 */
public final class ConfigException extends Exception {

    /** The key whose value is wrong, or null when the problem is not one key's. */
    private final String key;

    public ConfigException(String message) {
        this(null, message);
    }

    /** A problem with the value of {@code key}, so that the reader can add the line it was set on. */
    ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key whose value is wrong, or null when the problem is not one key's. */
    String key() {
        return key;
    }
}
