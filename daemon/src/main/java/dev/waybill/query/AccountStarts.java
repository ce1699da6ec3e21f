package dev.waybill.query;

/**
 * When each cPanel account (or reseller) was created on this server. A name is freed the moment its
 * account is terminated and may be given to a new one while the old one's mail is still stored, so
 * an account sees only the mail that arrived from its creation on.
 */
@FunctionalInterface
public interface AccountStarts {

    /** Nothing known: no bound. */
    AccountStarts NONE = account -> 0;

    /** Unix seconds at which {@code account} was created, or 0 (or less) when that is not known. */
    long startOf(String account);
}
