package dev.waybill.query;

import java.util.Set;

/**
 * Whose mail a caller may see, as the store knows it. Rows are owned by the cPanel accounts they
 * concern (sender's, recipient's) and by those accounts' resellers ({@code "@" + reseller}); a
 * viewer is either everything (root) or a set of those owner keys, optionally narrowed to one
 * email address (a webmail user). Narrowing is always possible, widening never.
 *
 * <p>An owner key's rows are visible from its account's creation on ({@link #since}): cPanel gives
 * a terminated account's name to the next account that asks, and the mail of the old one must not
 * be shown to the new one. A reseller's {@code "@reseller"} entries start at the reseller's
 * creation, each account's own entries at that account's.
 *
 * @param everything true for root: every row of every account and server
 * @param owners     the owner keys whose rows are visible (ignored when {@code everything})
 * @param accounts   the cPanel accounts this viewer covers, for narrowing to one of them
 * @param email      when not null, only rows sent from or to this address
 * @param starts     when each account and reseller was created (ignored when {@code everything})
 * @param within     when not null, an owner key each visible row must have besides one of
 *                   {@code owners}: a reseller's {@code "@reseller"} once narrowed to one account
 */
public record Viewer(boolean everything, Set<String> owners, Set<String> accounts, String email,
                     AccountStarts starts, String within) {

    public Viewer {
        owners = Set.copyOf(owners);
        accounts = Set.copyOf(accounts);
        starts = starts == null ? AccountStarts.NONE : starts;
        if (!everything && owners.isEmpty()) {
            throw new IllegalArgumentException("a viewer that is not root needs at least one owner");
        }
    }

    /** Without creation times: every owner entry is visible. */
    public Viewer(boolean everything, Set<String> owners, Set<String> accounts, String email) {
        this(everything, owners, accounts, email, AccountStarts.NONE, null);
    }

    /** Root: everything. */
    public static Viewer all() {
        return new Viewer(true, Set.of(), Set.of(), null);
    }

    /** One cPanel account. */
    public static Viewer account(String user) {
        return new Viewer(false, Set.of(user), Set.of(user), null);
    }

    /** A reseller: the accounts it owns (all of them, {@code accounts}) and its own. */
    public static Viewer reseller(String reseller, Set<String> accounts) {
        Set<String> covered = new java.util.HashSet<>(accounts);
        covered.add(reseller);
        return new Viewer(false, Set.of("@" + reseller, reseller), covered, null);
    }

    /** Whether this viewer covers cPanel account {@code user}. */
    public boolean covers(String user) {
        return everything || accounts.contains(user);
    }

    /**
     * This viewer, once it is known to cover {@code user}.
     *
     * @throws ForbiddenException if the account is not one of this viewer's
     */
    public Viewer requireCovers(String user) {
        if (!covers(user)) {
            throw new ForbiddenException("account '" + user + "' is not one you may see");
        }
        return this;
    }

    /**
     * This viewer narrowed to one of its accounts. A reseller's rows of one of its accounts are
     * those stored as its own ({@code "@reseller"}): an account that moved from another reseller
     * keeps its older mail with that one, so narrowing shows no row the reseller did not see.
     *
     * @throws ForbiddenException if the account is not one of this viewer's
     */
    public Viewer narrowToAccount(String user) {
        requireCovers(user);
        String also = within;
        if (also == null && !owners.contains(user)) {
            // Seen through a reseller key only (a reseller's own account is seen through its own key).
            also = owners.stream().filter(o -> o.startsWith("@")).findFirst().orElse(null);
        }
        return new Viewer(false, Set.of(user), Set.of(user), email, starts, also);
    }

    /** This viewer narrowed to mail from or to one address (already checked to be its own). */
    public Viewer narrowToEmail(String address) {
        return new Viewer(everything, owners, accounts, address, starts, within);
    }

    /** This viewer with its accounts' creation times: each owner key's rows begin at its account's. */
    public Viewer startingAt(AccountStarts times) {
        return new Viewer(everything, owners, accounts, email, times, within);
    }

    /**
     * The earliest send time of the rows visible through owner key {@code owner}: the creation
     * time of its account ({@code "@reseller"}: of the reseller), 0 for root or when not known.
     */
    public long since(String owner) {
        if (everything || owner == null) {
            return 0;
        }
        return Math.max(0, starts.startOf(owner.startsWith("@") ? owner.substring(1) : owner));
    }
}
