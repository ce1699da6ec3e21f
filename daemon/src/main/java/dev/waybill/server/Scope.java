package dev.waybill.server;

import dev.waybill.query.AccountStarts;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one request may see: every account ({@link #all()}), or a set of cPanel accounts
 * ({@link #users(Set)}), optionally narrowed to one email address (a webmail user). The query
 * layer turns it into SQL: {@code isAll()} adds nothing, otherwise {@code user IN (users())}, and
 * with {@code email()} the rows sent from or to that address.
 *
 * <p>A scope of accounts also knows when each was created ({@link #starts()}): an account sees
 * its mail from then on only, because cPanel gives a terminated account's name to the next account
 * that asks. That is read from the account files, not chosen by the caller, so it takes no part
 * in equality.
 *
 * <p>A scope only ever narrows: there is no way to widen one. Immutable.
 */
public final class Scope {

    private static final Scope ALL = new Scope(true, Set.of(), null, AccountStarts.NONE);

    private final boolean all;
    private final Set<String> users;
    private final String email;
    private final AccountStarts starts;

    private Scope(boolean all, Set<String> users, String email, AccountStarts starts) {
        this.all = all;
        this.users = users;
        this.email = email;
        this.starts = starts;
    }

    /** Every account: root. */
    public static Scope all() {
        return ALL;
    }

    /** These cPanel accounts only (an empty set sees nothing). */
    public static Scope users(Set<String> users) {
        Objects.requireNonNull(users, "users");
        return new Scope(false, Collections.unmodifiableSortedSet(new TreeSet<>(users)), null, AccountStarts.NONE);
    }

    /** This scope with its accounts' (and reseller's) creation times; root's ignores them. */
    public Scope startingAt(AccountStarts times) {
        Objects.requireNonNull(times, "times");
        return all ? this : new Scope(false, users, email, times);
    }

    /** When each account (or reseller) of this scope was created; {@link AccountStarts#NONE} for root. */
    public AccountStarts starts() {
        return starts;
    }

    /**
     * This scope narrowed to the mail of one address. The caller checks that the address is one
     * this scope may see; an address is kept in lower case.
     */
    public Scope narrowToEmail(String address) {
        Objects.requireNonNull(address, "address");
        return new Scope(all, users, address.toLowerCase(Locale.ROOT), starts);
    }

    /** This scope narrowed to the accounts of {@code subset} it already sees. */
    public Scope narrowToUsers(Set<String> subset) {
        TreeSet<String> kept = new TreeSet<>();
        for (String u : subset) {
            if (sees(u)) {
                kept.add(u);
            }
        }
        return new Scope(false, Collections.unmodifiableSortedSet(kept), email, starts);
    }

    /** True when no account is excluded (root); {@link #email()} may still narrow. */
    public boolean isAll() {
        return all;
    }

    /** The accounts seen, sorted; empty when {@link #isAll()}. */
    public Set<String> users() {
        return users;
    }

    /** The one address this scope is narrowed to, if any (lower case). */
    public Optional<String> email() {
        return Optional.ofNullable(email);
    }

    /** True if rows of the cPanel account {@code user} are visible. */
    public boolean sees(String user) {
        return all || (user != null && users.contains(user));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scope s && s.all == all && s.users.equals(users) && Objects.equals(s.email, email);
    }

    @Override
    public int hashCode() {
        return Objects.hash(all, users, email);
    }

    @Override
    public String toString() {
        String who = all ? "all accounts" : "accounts " + users;
        return email == null ? who : who + " narrowed to " + email;
    }
}
