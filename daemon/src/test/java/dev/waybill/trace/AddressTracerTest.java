package dev.waybill.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressTracerTest {

    private static final Predicate<String> ROOT = user -> true;
    private static final Predicate<String> EXAMPLECO = Set.of("exampleco")::contains;

    @TempDir
    static Path root;
    private static TestDnsServer dns;
    private static AddressTracer tracer;

    @BeforeAll
    static void setUp() throws Exception {
        TraceServer.write(root);
        dns = TraceServer.dns();
        tracer = new AddressTracer(root, dns.resolver(), TraceServer.THIS_SERVER::equals);
    }

    @AfterAll
    static void tearDown() throws Exception {
        dns.close();
    }

    private static TraceNode trace(String address) {
        return tracer.trace(address, ROOT);
    }

    private static TraceNode only(TraceNode node) {
        assertEquals(1, node.children().size(), () -> TraceText.render(node));
        return node.children().get(0);
    }

    // local routes

    @Test
    void trace_localMailbox_isOneMailboxStep() {
        TraceNode n = trace("Alice@Example.com");
        assertEquals(TraceKind.MAILBOX, n.kind());
        assertEquals("Alice@example.com", n.label());
        assertEquals("virtual_user", n.router());
        assertEquals("dovecot_virtual_delivery", n.transport());
        assertEquals("mailbox /home/exampleco/mail/example.com/alice", n.detail());
        assertEquals(TraceStatus.OK, n.status());
        assertTrue(n.children().isEmpty());
    }

    /** cPanel 58+: user+tag@domain reaches the mailbox user, the part from the first '+' on aside. */
    @Test
    void trace_plusAddress_reachesTheMailboxBeforeThePlus() {
        TraceNode n = trace("Alice+News+x@example.com");
        assertEquals(TraceKind.MAILBOX, n.kind(), () -> TraceText.render(n));
        assertEquals("Alice+News+x@example.com", n.label());
        assertEquals("virtual_user", n.router());
        assertTrue(n.detail().startsWith("mailbox /home/exampleco/mail/example.com/alice"), n.detail());
        assertTrue(n.detail().contains("folder \"News+x\""), n.detail());
        assertEquals(TraceKind.FAIL, only(trace("+news@example.com")).kind(), "no mailbox: the * default fails");
        assertEquals(TraceKind.FAIL, only(trace("ghost+news@example.com")).kind());
    }

    // this server as a mail exchanger of a domain it does not deliver locally

    @Test
    void trace_backupMx_passesTheMailToTheBetterMailExchangersOnly() {
        TraceNode n = trace("someone@backup.test");
        assertEquals(TraceKind.REMOTE, n.kind(), () -> TraceText.render(n));
        assertEquals(TraceStatus.OK, n.status());
        assertTrue(n.detail().contains("etc/secondarymx"), n.detail());
        assertEquals(List.of("mx.primary.test", "server.example", "mx3.primary.test"),
                n.children().stream().map(TraceNode::label).toList());
        TraceNode self = n.children().get(1);
        assertTrue(self.detail().contains("this server"), self.detail());
        assertTrue(self.children().isEmpty(), "not used, so not shown with addresses");
        assertTrue(n.children().get(2).detail().contains("not used"), n.children().get(2).detail());
    }

    @Test
    void trace_thisServerIsTheBestMx_isFrozenAsEximFreezesIt() {
        TraceNode stale = trace("someone@stale.test");
        assertEquals(TraceStatus.DEFERRED, stale.status(), () -> TraceText.render(stale));
        assertTrue(stale.detail().contains("lowest numbered MX record points to local host"), stale.detail());
        TraceNode moved = trace("someone@moved.test");
        assertEquals(TraceStatus.DEFERRED, moved.status());
        assertTrue(moved.detail().contains("etc/remotedomains"), moved.detail());
        TraceNode backup = trace("someone@backuponly.test");
        assertEquals(TraceStatus.DEFERRED, backup.status());
        assertTrue(backup.detail().contains("etc/secondarymx"), backup.detail());
        TraceNode implicit = trace("someone@selfa.test");
        assertEquals(TraceStatus.DEFERRED, implicit.status(), () -> TraceText.render(implicit));
        assertTrue(implicit.detail().contains("remote host address is the local host"), implicit.detail());
    }

    @Test
    void trace_homeFromEtcPasswd_findsTheMailbox() {
        TraceNode n = trace("carol@shop.test");
        assertEquals(TraceKind.MAILBOX, n.kind());
        assertEquals("mailbox /home2/shopuser/mail/shop.test/carol", n.detail());
    }

    @Test
    void trace_forwarderChain_followsEveryHop() {
        TraceNode chain = trace("chain@example.com");
        assertEquals(TraceKind.FORWARDER, chain.kind());
        assertEquals("virtual_aliases_nostar", chain.router());
        assertEquals("forwarder in etc/valiases/example.com", chain.detail());
        TraceNode sales = only(chain);
        assertEquals("sales@example.com", sales.label());
        assertEquals(TraceKind.FORWARDER, sales.kind());
        TraceNode bob = only(sales);
        assertEquals(TraceKind.MAILBOX, bob.kind());
        assertEquals("bob@example.com", bob.label());
        assertEquals(TraceStatus.OK, chain.status());
    }

    @Test
    void trace_failForwarder_isFailingWithItsText() {
        TraceNode n = trace("nowhere@example.com");
        TraceNode fail = only(n);
        assertEquals(TraceKind.FAIL, fail.kind());
        assertEquals("virtual_aliases_nostar", fail.router());
        assertEquals("No such person, really", fail.detail());
        assertEquals(TraceStatus.FAILING, fail.status());
        assertEquals(TraceStatus.FAILING, n.status(), "a forwarder is as bad as its worst target");
    }

    @Test
    void trace_deferForwarder_isDeferred() {
        TraceNode defer = only(trace("later@example.com"));
        assertEquals(TraceKind.DEFER, defer.kind());
        assertEquals("Mailbox moving", defer.detail());
        assertEquals(TraceStatus.DEFERRED, defer.status());
    }

    @Test
    void trace_blackhole_isDiscarded() {
        TraceNode discard = only(trace("trash@example.com"));
        assertEquals(TraceKind.DISCARD, discard.kind());
        assertEquals(TraceStatus.OK, discard.status());
    }

    @Test
    void trace_pipeAndFile_nameTheirTransports() {
        TraceNode pipe = only(trace("pipe@example.com"));
        assertEquals(TraceKind.PIPE, pipe.kind());
        assertEquals("|/home/exampleco/bin/handler --flag", pipe.label());
        assertEquals("virtual_address_pipe", pipe.transport());
        TraceNode file = only(trace("archive@example.com"));
        assertEquals(TraceKind.FILE, file.kind());
        assertEquals("address_file", file.transport());
    }

    @Test
    void trace_includeInsideTheHome_tracesTheListedAddresses() {
        TraceNode include = only(trace("list@example.com"));
        assertEquals(TraceKind.INCLUDE, include.kind());
        assertEquals(List.of("alice@example.com", "listed@example.net"),
                include.children().stream().map(TraceNode::label).toList());
    }

    /** Exim stops reading a list at :blackhole:, also inside an included file, and discards the mail. */
    @Test
    void trace_blackholeInAnIncludedFile_discardsForEveryTarget() {
        TraceNode n = trace("quiet@example.com");
        TraceNode discard = only(n);
        assertEquals(TraceKind.DISCARD, discard.kind(), () -> TraceText.render(n));
        assertEquals(TraceStatus.OK, n.status());
        assertTrue(n.detail().contains("no target gets a copy"), n.detail());
    }

    /**
     * Exim routes a list's last item first and skips an address it already routed, so here the
     * copies through sales@ and the last friend@ are the ones delivered.
     */
    @Test
    void trace_sameTargetTwice_isDeliveredOnceAndTheOtherMarkedDuplicate() {
        TraceNode n = trace("twice@example.com");
        assertEquals(List.of(TraceKind.DUPLICATE, TraceKind.FORWARDER, TraceKind.DUPLICATE, TraceKind.REMOTE),
                n.children().stream().map(TraceNode::kind).toList(), () -> TraceText.render(n));
        TraceNode bob = n.children().get(0);
        assertEquals("bob@example.com", bob.label());
        assertEquals("virtual_user", bob.router());
        assertTrue(bob.detail().contains("one copy"), bob.detail());
        assertEquals(TraceKind.MAILBOX, only(n.children().get(1)).kind());
        assertTrue(n.children().get(2).children().isEmpty(), "a duplicate is not looked up again");
        assertEquals(TraceStatus.OK, n.status());
    }

    @Test
    void trace_includeOfAnotherAccountsFile_isNotRead() {
        TraceNode include = only(trace("sneaky@example.com"));
        assertEquals(TraceKind.INCLUDE, include.kind());
        assertTrue(include.children().isEmpty());
        assertTrue(include.detail().startsWith("not read"), include.detail());
        assertFalse(include.toMap().toString().contains("hidden@example.net"));
    }

    @Test
    void trace_forwarderLoop_goesRoundOnceMoreThenFailsLikeExim() {
        TraceNode loop1 = trace("loop1@example.com");
        List<String> hops = new java.util.ArrayList<>();
        TraceNode n = loop1;
        while (true) {
            hops.add(n.label() + " " + n.kind().jsonName() + " " + n.router());
            if (n.children().isEmpty()) {
                break;
            }
            n = only(n);
        }
        assertEquals(List.of(
                "loop1@example.com forwarder virtual_aliases_nostar",
                "loop2@example.com forwarder virtual_aliases_nostar",
                "loop1@example.com forwarder virtual_aliases",
                "loop2@example.com forwarder virtual_aliases",
                "loop1@example.com fail null"), hops);
        assertTrue(n.detail().contains("loop back"), n.detail());
        assertEquals(TraceStatus.FAILING, loop1.status());
    }

    @Test
    void trace_forwarderToItself_deliversToItsMailboxToo() {
        TraceNode self = trace("self@example.com");
        assertEquals(2, self.children().size());
        TraceNode box = self.children().get(0);
        assertEquals(TraceKind.MAILBOX, box.kind());
        assertTrue(box.detail().contains("loop back"), box.detail());
        assertEquals(TraceKind.REMOTE, self.children().get(1).kind());
    }

    @Test
    void trace_longChain_stopsAtTheDepthLimitAsUnknownNotFailing() {
        TraceNode top = trace("deep0@example.com");
        TraceNode n = top;
        int depth = 0;
        while (!n.children().isEmpty()) {
            n = n.children().get(0);
            depth++;
        }
        assertEquals(TraceKind.ERROR, n.kind());
        assertTrue(n.detail().contains("forwarders in a row"), n.detail());
        assertEquals(AddressTracer.MAX_DEPTH + 1, depth);
        // Exim follows longer chains: what lies past the cut may well be a mailbox.
        assertEquals(TraceStatus.UNKNOWN, n.status());
        assertEquals(TraceStatus.UNKNOWN, top.status());
    }

    @Test
    void trace_missingMailboxWithoutDefault_failsNoSuchMailbox() {
        TraceNode n = trace("nobody@shop.test");
        assertEquals(TraceKind.FAIL, n.kind());
        assertNull(n.router());
        assertTrue(n.detail().startsWith("no such mailbox"), n.detail());
        assertEquals(TraceStatus.FAILING, n.status());
    }

    @Test
    void trace_mailboxWinsOverTheDefaultAddress() {
        assertEquals(TraceKind.MAILBOX, trace("bob@example.com").kind());
        TraceNode unknown = trace("stranger@example.com");
        assertEquals("virtual_aliases", unknown.router());
        assertEquals("default address (*) in etc/valiases/example.com", unknown.detail());
    }

    @Test
    void trace_domainFilter_isAStepBeforeTheDefaultToTheAccount() {
        TraceNode filter = trace("anyone@filtered.test");
        assertEquals(TraceKind.FILTER, filter.kind());
        assertEquals("central_filter", filter.router());
        TraceNode star = only(filter);
        assertEquals(TraceKind.FORWARDER, star.kind());
        TraceNode account = only(star);
        assertEquals(TraceKind.MAILBOX, account.kind());
        assertEquals("exampleco", account.label());
        assertEquals("localuser", account.router());
        assertEquals("dovecot_delivery", account.transport());
    }

    @Test
    void trace_emptyFilterFile_isNoStep() {
        assertEquals(TraceKind.MAILBOX, trace("alice@example.com").kind());
    }

    @Test
    void trace_bareAccountName_isTheMainMailbox() {
        TraceNode account = only(trace("bare@example.com"));
        assertEquals(TraceKind.MAILBOX, account.kind());
        assertEquals("the main mailbox of the account exampleco", account.detail());
    }

    // scope

    @Test
    void trace_otherAccountsAddress_isOneHiddenStep() {
        TraceNode n = tracer.trace("info@shop.test", EXAMPLECO);
        assertEquals(TraceKind.HIDDEN, n.kind());
        assertEquals(TraceStatus.UNKNOWN, n.status());
        assertTrue(n.children().isEmpty());
        String all = n.toMap().toString();
        assertFalse(all.contains("carol") || all.contains("boss") || all.contains("shopuser"), all);
    }

    @Test
    void trace_forwarderIntoAnotherAccount_hidesThatPartButShowsRemote() {
        TraceNode team = tracer.trace("team@example.com", EXAMPLECO);
        assertEquals(TraceKind.HIDDEN, team.children().get(0).kind());
        assertEquals("carol@shop.test", team.children().get(0).label());
        assertTrue(team.children().get(0).children().isEmpty());
        assertFalse(TraceText.render(team).contains("/home2/shopuser"));
        TraceNode remote = team.children().get(1);
        assertEquals(TraceKind.REMOTE, remote.kind());
        assertEquals(2, remote.children().size());
    }

    @Test
    void trace_remoteAddressByAnyUser_isShown() {
        assertEquals(TraceKind.REMOTE, tracer.trace("x@example.net", Set.<String>of()::contains).kind());
    }

    @Test
    void trace_adminSeesOtherAccounts() {
        TraceNode info = trace("info@shop.test");
        assertEquals(TraceKind.FORWARDER, info.kind());
        assertEquals(TraceKind.MAILBOX, info.children().get(0).kind());
    }

    // remote routes

    @Test
    void trace_remoteDomain_listsMxHostsByPriorityWithAddresses() {
        TraceNode n = trace("friend@example.net");
        assertEquals(TraceKind.REMOTE, n.kind());
        assertEquals("lookuphost", n.router());
        assertEquals("remote_smtp", n.transport());
        assertEquals(TraceStatus.OK, n.status());
        TraceNode mx1 = n.children().get(0);
        assertEquals("mx1.example.net", mx1.label());
        assertEquals("priority 10", mx1.detail());
        assertEquals(List.of("192.0.2.10", "2001:db8:0:0:0:0:0:10"), mx1.children().stream().map(TraceNode::label).toList());
        assertEquals(List.of("A", "AAAA"), mx1.children().stream().map(TraceNode::detail).toList());
        assertEquals("mx2.example.net", n.children().get(1).label());
    }

    @Test
    void trace_senderWithDkimKey_takesTheDkimRouter() {
        TraceNode n = tracer.trace("friend@example.net", "alice@example.com", ROOT);
        assertEquals("dkim_lookuphost", n.router());
        assertEquals("dkim_remote_smtp", n.transport());
        assertEquals("lookuphost", tracer.trace("friend@example.net", "x@shop.test", ROOT).router());
    }

    @Test
    void trace_domainInRemotedomains_isRemoteThoughOwnedHere() {
        TraceNode n = trace("x@away.test");
        assertEquals(TraceKind.REMOTE, n.kind());
        assertEquals("mx.away.test", only(n).label());
    }

    @Test
    void trace_noMxRecords_fallsBackToTheDomainsAddress() {
        TraceNode n = trace("x@nomx.example");
        TraceNode implicit = only(n);
        assertEquals("nomx.example", implicit.label());
        assertTrue(implicit.detail().contains("RFC 5321"), implicit.detail());
        assertEquals("192.0.2.30", only(implicit).label());
        assertEquals(TraceStatus.OK, n.status());
    }

    @Test
    void trace_nullMx_failsSayingTheDomainTakesNoMail() {
        TraceNode n = trace("x@nomail.example");
        assertEquals(TraceStatus.FAILING, n.status());
        assertTrue(n.detail().contains("null MX"), n.detail());
    }

    @Test
    void trace_nxdomain_fails() {
        TraceNode n = trace("x@nowhere.example");
        assertEquals(TraceStatus.FAILING, n.status());
        assertTrue(n.detail().contains("NXDOMAIN"), n.detail());
    }

    @Test
    void trace_mxHostWithoutAddress_fails() {
        TraceNode n = trace("x@ghostmx.example");
        assertEquals(TraceStatus.FAILING, n.status());
        assertTrue(only(n).detail().contains("does not exist"), only(n).detail());
    }

    @Test
    void trace_servfail_isDeferredNotAnException() {
        TraceNode n = trace("x@broken.example");
        assertEquals(TraceStatus.DEFERRED, n.status());
        assertTrue(n.detail().contains("SERVFAIL"), n.detail());
    }

    @Test
    void trace_silentDnsServer_isDeferredAfterATimeout() {
        TraceNode n = trace("x@silent.example");
        assertEquals(TraceStatus.DEFERRED, n.status());
        assertTrue(n.detail().contains("in time"), n.detail());
    }

    @Test
    void trace_quotedLocalPart_isRoutedUnquotedAndShownQuoted() {
        TraceNode n = trace("\"john smith\"@example.com");
        assertEquals("\"john smith\"@example.com", n.label());
        assertEquals(TraceKind.FORWARDER, n.kind(), () -> TraceText.render(n)); // example.com's * default
        assertEquals("virtual_aliases", n.router());
        TraceNode alice = trace("\"alice\"@example.com");
        assertEquals(TraceKind.MAILBOX, alice.kind(), () -> TraceText.render(alice));
        assertEquals("alice@example.com", alice.label());
    }

    @Test
    void trace_internationalDomain_isLookedUpInAscii() {
        TraceNode n = trace("x@bücher.example");
        assertEquals("x@xn--bcher-kva.example", n.label());
        assertEquals(TraceStatus.OK, n.status());
    }

    // bad input

    @Test
    void trace_badInput_isOneErrorStepNeverAnException() {
        for (String bad : new String[] {null, "", "   ", "no-at-sign", "@example.com", "a@", "a@example..com",
                "a@.example.com", "a@../../etc/passwd", "a@exa/mple.com", "a@[192.0.2.1]", "ü@example.com",
                "a b@example.com", "x".repeat(400) + "@example.com", "a@example.com\n", "a\u0000@example.com"}) {
            TraceNode n = trace(bad);
            if (bad != null && bad.equals("a@example.com\n")) {
                assertEquals("a@example.com", n.label(), "surrounding white space is dropped");
                continue;
            }
            assertEquals(TraceKind.ERROR, n.kind(), String.valueOf(bad));
            assertEquals(TraceStatus.FAILING, n.status());
            assertTrue(n.detail() != null && !n.detail().isBlank());
            assertTrue(n.label().length() <= AddressTracer.MAX_TEXT + 1);
        }
    }

    /** Exim defers the whole forwarder: "error in redirect data: domain missing or malformed". */
    @Test
    void trace_forwarderTargetsThatArePaths_deferTheWholeForwarder() {
        TraceNode n = trace("bad@example.com");
        TraceNode bad = only(n);
        assertEquals(TraceKind.DEFER, bad.kind(), () -> TraceText.render(n));
        assertEquals("x@../../etc", bad.label());
        assertTrue(bad.detail().contains("empty label"), bad.detail());
        assertEquals(TraceStatus.DEFERRED, n.status());
        assertTrue(n.detail().contains("no target gets a copy"), n.detail());
    }

    @Test
    void trace_forwarderTargetEximReadsButWeDoNotTrace_isOneErrorStepAmongTheTargets() {
        TraceNode n = trace("wide8@example.com");
        assertEquals(List.of(TraceKind.MAILBOX, TraceKind.ERROR), n.children().stream().map(TraceNode::kind).toList(),
                () -> TraceText.render(n));
    }

    @Test
    void trace_hugeValiasesFile_isAnErrorStep(@TempDir Path other) throws Exception {
        TraceServer.write(other, "etc/localdomains", "huge.example\n");
        TraceServer.write(other, "etc/valiases/huge.example", "");
        try (RandomAccessFile raf = new RandomAccessFile(other.resolve("etc/valiases/huge.example").toFile(), "rw")) {
            raf.setLength(dev.waybill.account.DomainForwarders.MAX_FILE_BYTES + 1);
        }
        TraceNode n = new AddressTracer(other, dns.resolver()).trace("a@huge.example", ROOT);
        assertEquals(TraceKind.ERROR, n.kind());
        assertTrue(n.detail().contains("more than"), n.detail());
    }

    @Test
    void trace_enormousFanOut_stopsAtTheStepLimit(@TempDir Path other) throws Exception {
        StringBuilder targets = new StringBuilder("all@wide.example: ");
        for (int i = 0; i < 2000; i++) {
            targets.append(i == 0 ? "" : ", ").append("u").append(i).append("@wide.example");
        }
        TraceServer.write(other, "etc/localdomains", "wide.example\n");
        TraceServer.write(other, "etc/valiases/wide.example", targets + "\n*: :blackhole:\n");
        TraceNode n = new AddressTracer(other, dns.resolver()).trace("all@wide.example", ROOT);
        assertTrue(n.size() <= 2 * AddressTracer.MAX_STEPS, "size " + n.size());
        TraceNode last = n.children().get(n.children().size() - 1);
        assertEquals(TraceKind.ERROR, last.kind());
        assertTrue(last.detail().contains("more targets not traced"), last.detail());
        // every target traced is discarded; the untraced rest is unknown, not a bounce
        assertEquals(TraceStatus.UNKNOWN, last.status());
        assertEquals(TraceStatus.UNKNOWN, n.status());
    }

    @Test
    void trace_withoutCpanelFiles_everyDomainIsRemote(@TempDir Path empty) {
        TraceNode n = new AddressTracer(empty, dns.resolver()).trace("a@example.net", ROOT);
        assertEquals(TraceKind.REMOTE, n.kind());
    }
}
