package dev.waybill.query;

import java.util.Set;

/**
 * Whose mail a caller may see, as the store knows it. Rows are owned by the cPanel accounts they
 * concern (sender's, recipient's) and by those accounts' resellers ({@code "@" + reseller}); a
 * viewer is either everything (root) or a set of those owner keys, optionally narrowed to one
 * email address (a webmail user). Narrowing is always possible, widening never.
 *
 * @param everything true for root: every row of every account and server
 * @param owners     the owner keys whose rows are visible (ignored when {@code everything})
 * @param accounts   the cPanel accounts this viewer covers, for narrowing to one of them
 * @param email      when not null, only rows sent from or to this address
 */
public record Viewer(boolean everything, Set<String> owners, Set<String> accounts, String email) {

    public Viewer {
        owners = Set.copyOf(owners);
        accounts = Set.copyOf(accounts);
        if (!everything && owners.isEmpty()) {
            throw new IllegalArgumentException("a viewer that is not root needs at least one owner");
        }
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
        java.util.Set<String> covered = new java.util.HashSet<>(accounts);
        covered.add(reseller);
        return new Viewer(false, Set.of("@" + reseller, reseller), covered, null);
    }

    /** Whether this viewer covers cPanel account {@code user}. */
    public boolean covers(String user) {
        return everything || accounts.contains(user);
    }

    /**
     * This viewer narrowed to one of its accounts.
     *
     * @throws ForbiddenException if the account is not one of this viewer's
     */
    public Viewer narrowToAccount(String user) {
        if (!covers(user)) {
            throw new ForbiddenException("account '" + user + "' is not one you may see");
        }
        return new Viewer(false, Set.of(user), Set.of(user), email);
    }

    /** This viewer narrowed to mail from or to one address (already checked to be its own). */
    public Viewer narrowToEmail(String address) {
        return new Viewer(everything, owners, accounts, address);
    }
}
