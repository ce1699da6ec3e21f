package dev.waybill.config;

/**
 * A configuration value that is missing or wrong. The message is one line that names the file,
 * the key and what would be right, meant to be printed as it is in place of a stack trace.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }
}
