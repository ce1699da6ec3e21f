package dev.waybill.server;

import dev.waybill.account.CpanelAccounts;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the kernel's identity of a connection, and the request's optional {@code as} and
 * {@code email}, into a {@link Caller} and a {@link Scope}, as DESIGN.md's "Security" says:
 *
 * <ul>
 *   <li>uid 0 is root and sees everything; with {@code "as":"root"} the same; with
 *       {@code "as":"<reseller>"} that reseller's own accounts plus itself; any other {@code as}
 *       (a plain cPanel account, an unknown name) is forbidden;</li>
 *   <li>a uid whose system user is a cPanel account sees that account only, and may not use
 *       {@code as} at all;</li>
 *   <li>every other uid is forbidden;</li>
 *   <li>{@code email} then narrows any scope to one address the scope already sees (a webmail
 *       user); an address outside it is forbidden.</li>
 * </ul>
 * A scope of accounts carries their creation times ({@code STARTDATE} in
 * {@code var/cpanel/users/<user>}, read when a query needs one), so that an account whose name
 * belonged to a terminated one does not see the older account's mail.
 *
 * Thread-safe.
 */
public final class ScopeResolver {

    /** Loose on purpose: the address is only compared, never used to build anything. */
    private static final Pattern ADDRESS = Pattern.compile("[^\\s@]{1,64}@[^\\s@]{1,253}");

    private final LiveAccounts accounts;
    private final SystemUsers users;

    public ScopeResolver(LiveAccounts accounts, SystemUsers users) {
        this.accounts = accounts;
        this.users = users;
    }

    /** A caller with its scope. */
    public record Access(Caller caller, Scope scope) {
    }

    /**
     * Decides who {@code peer} is for one request and what it may see.
     *
     * @param as    the request's {@code as}, or null
     * @param email the request's {@code email} narrowing, or null
     * @throws RequestException {@code forbidden} when the caller may see nothing, may not act as
     *                          {@code as}, or {@code email} is not theirs; {@code bad_request}
     *                          when {@code email} is not an address
     */
    public Access resolve(PeerIdentity peer, String as, String email) throws RequestException {
        CpanelAccounts now = accounts.current();
        String name = users.nameOf(peer.uid());
        Caller caller;
        Scope scope;
        if (peer.isRoot()) {
            if (as == null || as.equals("root")) {
                caller = new Caller(peer, name, Role.ROOT, "root");
                scope = Scope.all();
            } else if (now.isReseller(as)) {
                Set<String> own = new HashSet<>(now.usersOwnedBy(as));
                own.add(as); // a reseller sees its own account too, as in WHM
                caller = new Caller(peer, name, Role.RESELLER, as);
                scope = Scope.users(own).startingAt(now::startDate);
            } else {
                throw RequestException.forbidden("'" + as + "' is neither root nor a reseller");
            }
        } else {
            String who = "uid " + peer.uid() + (name == null ? "" : " (" + name + ")");
            if (as != null) {
                throw RequestException.forbidden("only root may act as another user; " + who + " asked to act as '"
                        + as + "'");
            }
            if (name == null || !now.isUser(name)) {
                throw RequestException.forbidden(who + " is not a cPanel account");
            }
            caller = new Caller(peer, name, Role.USER, name);
            scope = Scope.users(Set.of(name)).startingAt(now::startDate);
        }
        if (email != null) {
            if (!ADDRESS.matcher(email).matches()) {
                throw RequestException.badRequest("email must be an address such as user@example.com, got '"
                        + email + "'");
            }
            if (!scope.isAll() && !scope.sees(now.ownerOfAddress(email))) {
                throw RequestException.forbidden("'" + email + "' is not an address of " + describe(caller));
            }
            scope = scope.narrowToEmail(email);
        }
        return new Access(caller, scope);
    }

    private static String describe(Caller caller) {
        return caller.role() == Role.RESELLER ? "the accounts of " + caller.principal() : caller.principal();
    }
}
