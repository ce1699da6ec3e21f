package dev.waybill.server;

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
 * <p>A scope only ever narrows: there is no way to widen one. Immutable.
 */
public final class Scope {

    private static final Scope ALL = new Scope(true, Set.of(), null);

    private final boolean all;
    private final Set<String> users;
    private final String email;

    private Scope(boolean all, Set<String> users, String email) {
        this.all = all;
        this.users = users;
        this.email = email;
    }

    /** Every account: root. */
    public static Scope all() {
        return ALL;
    }

    /** These cPanel accounts only (an empty set sees nothing). */
    public static Scope users(Set<String> users) {
        Objects.requireNonNull(users, "users");
        return new Scope(false, Collections.unmodifiableSortedSet(new TreeSet<>(users)), null);
    }

    /**
     * This scope narrowed to the mail of one address. The caller checks that the address is one
     * this scope may see; an address is kept in lower case.
     */
    public Scope narrowToEmail(String address) {
        Objects.requireNonNull(address, "address");
        return new Scope(all, users, address.toLowerCase(Locale.ROOT));
    }

    /** This scope narrowed to the accounts of {@code subset} it already sees. */
    public Scope narrowToUsers(Set<String> subset) {
        TreeSet<String> kept = new TreeSet<>();
        for (String u : subset) {
            if (sees(u)) {
                kept.add(u);
            }
        }
        return new Scope(false, Collections.unmodifiableSortedSet(kept), email);
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
