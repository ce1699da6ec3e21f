package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScopeResolverTest {

    private static final PeerIdentity ROOT = new PeerIdentity(100, 0, 0);
    private static final PeerIdentity ALICE = new PeerIdentity(101, 1001, 1001);
    private static final PeerIdentity STRANGER = new PeerIdentity(102, 1002, 1002);
    private static final PeerIdentity NAMELESS = new PeerIdentity(103, 4242, 4242);

    @TempDir
    Path dir;
    private Path cpanel;
    private ScopeResolver resolver;

    @BeforeEach
    void setUp() throws IOException {
        cpanel = ServerFixture.fakeCpanelRoot(dir.resolve("cpanel"),
                Map.of("alice", "res1", "bob", "res1", "carol", "root"));
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n"
                + "alice:x:1001:1001::/home/alice:/bin/bash\nstranger:x:1002:1002::/:/usr/sbin/nologin\n");
        resolver = new ScopeResolver(LiveAccounts.watching(cpanel, line -> { }), new SystemUsers(dir.resolve("passwd")));
    }

    @Test
    void resolve_root_seesAll() throws Exception {
        ScopeResolver.Access a = resolver.resolve(ROOT, null, null);
        assertEquals(Scope.all(), a.scope());
        assertEquals(Role.ROOT, a.caller().role());
        assertEquals("root", a.caller().userName());
        assertEquals(Scope.all(), resolver.resolve(ROOT, "root", null).scope());
    }

    @Test
    void resolve_rootAsReseller_seesItsAccountsAndItself() throws Exception {
        ScopeResolver.Access a = resolver.resolve(ROOT, "res1", null);
        assertEquals(Scope.users(Set.of("alice", "bob", "res1")), a.scope());
        assertEquals(Role.RESELLER, a.caller().role());
        assertEquals("res1", a.caller().principal());
        assertFalse(a.scope().sees("carol"));
    }

    @Test
    void resolve_rootAsResellerListedWithoutAccounts_seesItself() throws Exception {
        Files.writeString(cpanel.resolve("var/cpanel/resellers"), "res2:list-accts,create-acct\n");
        ScopeResolver rs = new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }), new SystemUsers(dir.resolve("passwd")));
        assertEquals(Scope.users(Set.of("res2")), rs.resolve(ROOT, "res2", null).scope());
    }

    @Test
    void resolve_passwdWithBytesThatAreNotUtf8_stillNamesTheAccounts() throws Exception {
        // A comment field written in Latin-1 by an old tool, on a line of its own.
        Files.write(dir.resolve("passwd"), ("root:x:0:0:root:/root:/bin/bash\nold:x:900:900:Jos\u00e9:/:/bin/sh\n"
                + "alice:x:1001:1001::/home/alice:/bin/bash\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ScopeResolver rs = new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }), new SystemUsers(dir.resolve("passwd")));
        assertEquals(Scope.users(Set.of("alice")), rs.resolve(ALICE, null, null).scope());
    }

    @Test
    void resolve_rootAsPlainAccountOrUnknown_isForbidden() {
        RequestException plain = assertThrows(RequestException.class, () -> resolver.resolve(ROOT, "alice", null));
        assertEquals(ErrorCode.FORBIDDEN, plain.code());
        assertEquals("'alice' is neither root nor a reseller", plain.getMessage());
        assertEquals(ErrorCode.FORBIDDEN, assertThrows(RequestException.class,
                () -> resolver.resolve(ROOT, "nosuch", null)).code());
    }

    @Test
    void resolve_cpanelAccount_seesItselfOnly() throws Exception {
        ScopeResolver.Access a = resolver.resolve(ALICE, null, null);
        assertEquals(Scope.users(Set.of("alice")), a.scope());
        assertEquals(Role.USER, a.caller().role());
    }

    @Test
    void resolve_accountWithAs_isForbiddenEvenAsItself() {
        for (String as : new String[] {"root", "res1", "alice"}) {
            RequestException e = assertThrows(RequestException.class, () -> resolver.resolve(ALICE, as, null));
            assertEquals(ErrorCode.FORBIDDEN, e.code());
            assertTrue(e.getMessage().startsWith("only root may act as another user"), e.getMessage());
        }
    }

    @Test
    void resolve_uidThatIsNoAccount_isForbidden() {
        assertEquals("uid 1002 (stranger) is not a cPanel account",
                assertThrows(RequestException.class, () -> resolver.resolve(STRANGER, null, null)).getMessage());
        assertEquals("uid 4242 is not a cPanel account",
                assertThrows(RequestException.class, () -> resolver.resolve(NAMELESS, null, null)).getMessage());
    }

    @Test
    void resolve_emailOfTheAccount_narrows() throws Exception {
        Scope s = resolver.resolve(ALICE, null, "Sales@Alice.Example").scope();
        assertEquals("sales@alice.example", s.email().orElseThrow());
        assertEquals(Set.of("alice"), s.users());
    }

    @Test
    void resolve_emailOutsideTheAccount_isForbidden() {
        for (String email : new String[] {"x@bob.example", "x@elsewhere.example", "x@alice.example.evil"}) {
            RequestException e = assertThrows(RequestException.class, () -> resolver.resolve(ALICE, null, email));
            assertEquals(ErrorCode.FORBIDDEN, e.code(), email);
        }
    }

    @Test
    void resolve_accountsChangeOnDisk_areSeenAgain() throws Exception {
        assertEquals(ErrorCode.FORBIDDEN, assertThrows(RequestException.class,
                () -> resolver.resolve(ROOT, "res9", null)).code());
        Path owners = cpanel.resolve("etc/trueuserowners");
        Files.writeString(owners, Files.readString(owners) + "carol: res9\n");
        Files.setLastModifiedTime(owners, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Thread.sleep(LiveAccounts.CHECK_EVERY_MS + 100);
        assertEquals(Scope.users(Set.of("carol", "res9")), resolver.resolve(ROOT, "res9", null).scope());
    }

    @Test
    void scope_narrowing_neverWidens() {
        Scope alice = Scope.users(Set.of("alice"));
        assertEquals(Set.of("alice"), alice.narrowToUsers(Set.of("alice", "bob")).users());
        assertTrue(alice.sees("alice"));
        assertFalse(alice.sees("bob"));
        assertFalse(alice.sees(null));
        assertTrue(Scope.all().sees("anyone"));
        assertEquals(Set.of("bob"), Scope.all().narrowToUsers(Set.of("bob")).users());
        assertFalse(Scope.all().narrowToUsers(Set.of("bob")).isAll());
    }
}
