package dev.waybill.e2e;

import static dev.waybill.e2e.FakeCpanelRoot.ALICE;
import static dev.waybill.e2e.FakeCpanelRoot.ALICE_PASSWORD;
import static dev.waybill.e2e.FakeCpanelRoot.BOB;
import static dev.waybill.e2e.FakeCpanelRoot.CAROL;
import static dev.waybill.e2e.FakeCpanelRoot.CHAIN;
import static dev.waybill.e2e.FakeCpanelRoot.EXAMPLE_DOMAIN;
import static dev.waybill.e2e.FakeCpanelRoot.EXAMPLE_USER;
import static dev.waybill.e2e.FakeCpanelRoot.NOWHERE;
import static dev.waybill.e2e.FakeCpanelRoot.NOWHERE_TEXT;
import static dev.waybill.e2e.FakeCpanelRoot.PARTNERS;
import static dev.waybill.e2e.FakeCpanelRoot.PARTNER_REMOTE;
import static dev.waybill.e2e.FakeCpanelRoot.SALES;
import static dev.waybill.e2e.FakeCpanelRoot.SHOP_DOMAIN;
import static dev.waybill.e2e.FakeCpanelRoot.SHOP_USER;
import static dev.waybill.e2e.FakeCpanelRoot.TEAM;
import static dev.waybill.e2e.FakeCpanelRoot.TEAM_REMOTE;
import static dev.waybill.e2e.FakeCpanelRoot.TRASH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Real mail through a real Exim, then {@code waybill parse} on the main log it wrote.
 *
 * <p>A private Exim daemon configured like a cPanel server ({@code e2e/exim.conf.template},
 * {@link FakeCpanelRoot}) receives messages from swaks: authenticated submissions by alice to
 * remote servers (loopback {@link SmtpSink}s that accept, defer or reject by local part) and to
 * local addresses, and mail from outside to mailboxes, forwarders, {@code :fail:},
 * {@code :blackhole:} and an unknown user. After the first delivery attempts, one deferred
 * recipient is made acceptable and a forced queue run ({@code -qff}) retries; a last message is
 * left in the queue. The main log is then parsed, and every recipient's outcome is compared with
 * what the test sent.
 *
 * <p>Needs root, {@code exim4-daemon-light} and {@code swaks}; fails when they are missing. The
 * main log, a snapshot before the queue run, the scenario's message ids and the parser's output
 * are kept in {@code target/e2e/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EximEndToEndIT {

    private static final String OUTSIDER = "stranger@outside.test";
    private static final String OUTSIDE_HELO = "mx.outside.test";
    private static final String LAPTOP_HELO = "laptop.example.com";
    private static final String LOOPBACK = "127.0.0.1";
    private static final String SINK_OK = "127.0.0.2";
    private static final String SINK_TEMPFAIL = "127.0.0.3";
    private static final String SINK_REJECT = "127.0.0.4";

    private static final String RETRIED = "tempfail-once@temp.sink.test";
    private static final String DEFERRED = "tempfail-always@temp.sink.test";
    private static final String HOSTILE_SUBJECT = "<script>alert(\"x\")</script> \\ \"quoted\"";
    private static final String UTF8_SUBJECT = "Café au lait é 日本";
    private static final String BOUNCE_SUBJECT = "Mail delivery failed: returning message to sender";

    private Path work;
    private Path root;
    private Path artifacts;
    private PrivateExim exim;
    private final List<SmtpSink> sinks = new ArrayList<>();
    private int mxPort;
    private int submissionPort;

    /** Scenario name to Exim message id, for every message Exim accepted. */
    private final Map<String, String> messageIds = new LinkedHashMap<>();
    private long startedAt;
    private long forcedRunAt;
    private long finishedAt;

    private List<JsonObject> beforeRetry;
    private List<JsonObject> records;
    private final Map<ExpectedOutcome, JsonObject> matched = new LinkedHashMap<>();
    private final List<JsonObject> unmatched = new ArrayList<>();
    private List<ExpectedOutcome> expected;

    @BeforeAll
    void sendMailThroughEximAndParseTheLog() throws Exception {
        requireRoot();
        PrivateExim.binary(); // fail before any work when a tool is missing
        Swaks swaks = new Swaks(LOOPBACK);
        startedAt = Instant.now().getEpochSecond();
        artifacts = WaybillParse.jar().toAbsolutePath().getParent().resolve("e2e");
        Files.createDirectories(artifacts);
        work = Files.createTempDirectory("waybill-e2e-");
        root = work.resolve("root");
        FakeCpanelRoot.write(root);

        sinks.addAll(SmtpSink.startOnCommonPort(List.of(SINK_OK, SINK_TEMPFAIL, SINK_REJECT)));
        int[] ports = freeLoopbackPorts(2);
        mxPort = ports[0];
        submissionPort = ports[1];
        exim = PrivateExim.configure(work, Map.of(
                "WORK", work.toString(),
                "CPANEL_ROOT", root.toString(),
                "MX_PORT", Integer.toString(mxPort),
                "SUBMISSION_PORT", Integer.toString(submissionPort),
                "SINK_PORT", Integer.toString(sink(SINK_OK).port()),
                "SINK_OK", SINK_OK,
                "SINK_TEMPFAIL", SINK_TEMPFAIL,
                "SINK_REJECT", SINK_REJECT), ALICE + ": " + ALICE_PASSWORD + "\n");
        exim.grantAccess(FakeCpanelRoot.mailDirectories(root));
        exim.start();

        sendFirstRound(swaks);
        // Left queued: the two recipients the tempfail sink answered with 451.
        exim.awaitIdle(2, Duration.ofSeconds(60));
        Path snapshot = artifacts.resolve("exim-mainlog-before-retry.log");
        Files.copy(exim.mainLog(), snapshot, StandardCopyOption.REPLACE_EXISTING);

        sink(SINK_TEMPFAIL).acceptFrom(RETRIED);
        forcedRunAt = Instant.now().getEpochSecond();
        exim.forceQueueRun();
        exim.awaitIdle(1, Duration.ofSeconds(60));

        // Mail for later.sink.test is only queued (the RCPT ACL says so): it stays in progress.
        accepted("in-progress", swaks, outgoing("later-1@later.sink.test")
                .subject("Queued for later").spamScore("0.5"));
        exim.awaitIdle(2, Duration.ofSeconds(60));
        exim.close();
        finishedAt = Instant.now().getEpochSecond() + 1;

        Files.writeString(artifacts.resolve("message-ids.txt"), messageIds.entrySet().stream()
                .map(m -> m.getKey() + " " + m.getValue() + "\n").collect(Collectors.joining()));
        Path mainLog = artifacts.resolve("exim-mainlog.log");
        Files.copy(exim.mainLog(), mainLog, StandardCopyOption.REPLACE_EXISTING);
        beforeRetry = WaybillParse.run(snapshot, root, artifacts.resolve("parse-before-retry.ndjson"));
        records = WaybillParse.run(mainLog, root, artifacts.resolve("parse.ndjson"));
        expected = expectations();
        pair(expected, records);
    }

    @AfterAll
    void stopEverythingAndClean() throws Exception {
        try {
            if (exim != null) {
                exim.close();
            }
        } finally {
            for (SmtpSink sink : sinks) {
                sink.close();
            }
            if (work != null) {
                deleteTree(work);
            }
        }
    }

    /** Everything sent before the forced queue run, with the fate each message should meet. */
    private void sendFirstRound(Swaks swaks) throws IOException, InterruptedException {
        accepted("remote-ok", swaks, outgoing("ok-1@ok.sink.test").subject("Quarterly figures").spamScore("0.4"));
        accepted("retried", swaks, outgoing(RETRIED).subject("Try again").spamScore("1.1"));
        accepted("deferred", swaks, outgoing(DEFERRED).subject("Still waiting").spamScore("1.2"));
        accepted("remote-reject", swaks, new Swaks.Message(submissionPort, LAPTOP_HELO, ALICE, "reject-1@bad.sink.test")
                .auth("PLAIN", ALICE, ALICE_PASSWORD).subject("Returned to sender").spamScore("0.0"));
        accepted("incoming-local", swaks, incoming(BOB).subject("Hello Bob").spamScore("2.0"));
        accepted("forward-local", swaks, incoming(SALES).subject("Price list request").spamScore("-0.5"));
        accepted("forward-chain", swaks, incoming(CHAIN).subject("Chained forward").spamScore("0.1"));
        accepted("forward-remote", swaks, incoming(PARTNERS).subject("Partnership").spamScore("3.3"));
        accepted("fail-forwarder", swaks, outgoing(NOWHERE).subject("Anyone there?").spamScore("0.1"));
        accepted("blackhole", swaks, incoming(TRASH).subject("Unwanted offer").spamScore("4.9"));
        refused("unknown-user", swaks, incoming("nosuch@example.com").subject("Lost").spamScore("0.2"));
        refused("fail-forwarder-rcpt", swaks, incoming(NOWHERE).subject("Knock knock").spamScore("0.2"));
        refused("relay-attempt", swaks, incoming("ok-9@ok.sink.test").subject("Relay me").spamScore("0.2"));
        authenticationFails(swaks, new Swaks.Message(submissionPort, LAPTOP_HELO, ALICE, "ok-8@ok.sink.test")
                .auth("LOGIN", ALICE, "not-" + ALICE_PASSWORD).subject("Wrong password"));
        accepted("hostile-subject", swaks, outgoing("ok-2@ok.sink.test").subject(HOSTILE_SUBJECT).spamScore("6.1"));
        accepted("utf8-subject", swaks, incoming(CAROL).subject(encodedWord(UTF8_SUBJECT)).spamScore("7.5"));
        accepted("multi", swaks, outgoing(BOB, TEAM, "ok-3@ok.sink.test", "reject-2@bad.sink.test")
                .subject("Team update"));
        accepted("unknown-authenticated", swaks, outgoing("ghost@example.com").subject("Typo").spamScore("0.3"));
    }

    /** The outcome of every recipient, as sent. */
    private List<ExpectedOutcome> expectations() {
        List<ExpectedOutcome> all = new ArrayList<>();
        all.add(fromAlice("remote-ok", "success", "Quarterly figures", "0.4")
                .to("ok-1@ok.sink.test", "ok-1@ok.sink.test")
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_OK).attempts(1));
        all.add(fromAlice("retried", "success", "Try again", "1.1")
                .to(RETRIED, RETRIED)
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_TEMPFAIL).attempts(2)
                .actionNotBefore(forcedRunAt));
        all.add(fromAlice("deferred", "defer", "Still waiting", "1.2")
                .field("recipient", DEFERRED)
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_TEMPFAIL).attempts(2)
                .fieldContains("message", "451 4.2.0").actionNotBefore(forcedRunAt));
        all.add(fromAlice("remote-reject", "failure", "Returned to sender", "0.0")
                .field("senderauth", "dovecot_plain")
                .field("recipient", "reject-1@bad.sink.test")
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_REJECT).attempts(1)
                .fieldContains("message", "550 5.1.1"));
        all.add(fromOutside("incoming-local", "success", "Hello Bob", "2.0")
                .to(BOB, BOB).localMailbox(EXAMPLE_USER, EXAMPLE_DOMAIN).attempts(1));
        all.add(fromOutside("forward-local", "success", "Price list request", "-0.5")
                .to(SALES, BOB).localMailbox(EXAMPLE_USER, EXAMPLE_DOMAIN).attempts(1));
        all.add(fromOutside("forward-chain", "success", "Chained forward", "0.1")
                .to(CHAIN, BOB).localMailbox(EXAMPLE_USER, EXAMPLE_DOMAIN).attempts(1));
        all.add(fromOutside("forward-remote", "success", "Partnership", "3.3")
                .to(PARTNERS, PARTNER_REMOTE).remote("lookuphost", "remote_smtp", SINK_OK).attempts(1));
        all.add(fromAlice("fail-forwarder", "failure", "Anyone there?", "0.1")
                .field("recipient", NOWHERE).route("virtual_aliases", null).attempts(1)
                .fieldContains("message", NOWHERE_TEXT));
        all.add(fromOutside("blackhole", "filtered", "Unwanted offer", "4.9")
                .field("recipient", TRASH).route("virtual_aliases", null).attempts(1));
        all.add(rejected("unknown-user", "nosuch@example.com", "Unrouteable address"));
        all.add(rejected("fail-forwarder-rcpt", NOWHERE, NOWHERE_TEXT));
        all.add(rejected("relay-attempt", "ok-9@ok.sink.test", "Relaying not permitted"));
        // The failed login ("authenticator failed") has no outcome at all.
        all.add(fromAlice("hostile-subject", "success", HOSTILE_SUBJECT, "6.1")
                .to("ok-2@ok.sink.test", "ok-2@ok.sink.test")
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_OK).attempts(1));
        all.add(fromOutside("utf8-subject", "success", UTF8_SUBJECT, "7.5")
                .to(CAROL, CAROL).localMailbox(SHOP_USER, SHOP_DOMAIN).attempts(1));
        all.add(fromAlice("multi", "success", "Team update", null)
                .to(BOB, BOB).localMailbox(EXAMPLE_USER, EXAMPLE_DOMAIN).attempts(1));
        all.add(fromAlice("multi", "success", "Team update", null)
                .to(TEAM, CAROL).localMailbox(SHOP_USER, SHOP_DOMAIN).attempts(1));
        all.add(fromAlice("multi", "success", "Team update", null)
                .to(TEAM, TEAM_REMOTE).remote("dkim_lookuphost", "dkim_remote_smtp", SINK_OK).attempts(1));
        all.add(fromAlice("multi", "success", "Team update", null)
                .to("ok-3@ok.sink.test", "ok-3@ok.sink.test")
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_OK).attempts(1));
        all.add(fromAlice("multi", "failure", "Team update", null)
                .field("recipient", "reject-2@bad.sink.test")
                .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_REJECT).attempts(1)
                .fieldContains("message", "550 5.1.1"));
        // Accepted because alice is authenticated; no router takes it, so no R= and no T=.
        all.add(fromAlice("unknown-authenticated", "failure", "Typo", "0.3")
                .field("recipient", "ghost@example.com").route(null, null).attempts(1)
                .fieldContains("message", "Unrouteable address"));
        all.add(fromAlice("in-progress", "inprogress", "Queued for later", "0.5")
                .field("recipient", "later-1@later.sink.test").route(null, null).attempts(0));
        return all;
    }

    @TestFactory
    Stream<DynamicTest> everyRecipient_hasTheOutcomeThatWasSent() {
        return expected.stream().map(e -> DynamicTest.dynamicTest(e.toString(), () -> {
            JsonObject record = matched.get(e);
            if (record == null) {
                fail("no record for " + e + " (message " + e.expected("msgid") + ")");
            }
            List<String> wrong = e.mismatches(record);
            assertTrue(wrong.isEmpty(), () -> e + "\n  " + String.join("\n  ", wrong) + "\n  record: " + record);
        }));
    }

    @Test
    void bounces_areDeliveredToAlice() {
        // Four messages of alice failed for at least one recipient: remote-reject,
        // fail-forwarder, multi and unknown-authenticated. Each bounce is a new message.
        List<JsonObject> bounces = unmatched.stream()
                .filter(r -> !messageIds.containsValue(string(r, "msgid")))
                .toList();
        assertEquals(4, bounces.size(), () -> "bounce outcomes: " + bounces);
        assertEquals(4, bounces.stream().map(r -> string(r, "msgid")).distinct().count(),
                () -> "each bounce is its own message: " + bounces);
        ExpectedOutcome bounce = ExpectedOutcome.of("bounce", "success").to(ALICE, ALICE).localMailbox(EXAMPLE_USER, EXAMPLE_DOMAIN)
                .field("subject", BOUNCE_SUBJECT).spam(null).attempts(1);
        for (JsonObject record : bounces) {
            List<String> wrong = bounce.mismatches(record);
            assertTrue(wrong.isEmpty(), () -> "bounce\n  " + String.join("\n  ", wrong) + "\n  record: " + record);
        }
    }

    @Test
    void parse_printsNoOutcomeThatWasNotSent() {
        List<JsonObject> extra = unmatched.stream()
                .filter(r -> messageIds.containsValue(string(r, "msgid")) || string(r, "msgid") == null)
                .toList();
        assertTrue(extra.isEmpty(), () -> "records matching no expected outcome:\n  "
                + extra.stream().map(Object::toString).collect(Collectors.joining("\n  ")));
    }

    @Test
    void beforeTheForcedRun_tempfailedRecipientsAreDeferred() {
        for (String scenario : List.of("retried", "deferred")) {
            String recipient = scenario.equals("retried") ? RETRIED : DEFERRED;
            List<JsonObject> found = beforeRetry.stream()
                    .filter(r -> messageIds.get(scenario).equals(string(r, "msgid")))
                    .toList();
            assertEquals(1, found.size(), () -> scenario + ": records before the queue run: " + found);
            ExpectedOutcome defer = ExpectedOutcome.of(scenario, "defer")
                    .field("msgid", messageIds.get(scenario)).field("recipient", recipient)
                    .field("user", EXAMPLE_USER)
                    .remote("dkim_lookuphost", "dkim_remote_smtp", SINK_TEMPFAIL).attempts(1)
                    .fieldContains("message", "451 4.2.0");
            List<String> wrong = defer.mismatches(found.get(0));
            assertTrue(wrong.isEmpty(), () -> scenario + "\n  " + String.join("\n  ", wrong) + "\n  record: " + found);
        }
    }

    @Test
    void everyOutcome_hasTimesWithinTheRun() {
        for (JsonObject record : records) {
            long action = number(record, "actionunixtime");
            assertTrue(action >= startedAt && action <= finishedAt,
                    () -> "actionunixtime outside the run [" + startedAt + ", " + finishedAt + "]: " + record);
            if (!"rejected".equals(string(record, "type"))) {
                long send = number(record, "sendunixtime");
                assertTrue(send >= startedAt && send <= action,
                        () -> "sendunixtime not between the start and the action: " + record);
            }
        }
    }

    /** Not a parser check: proves the scenario itself happened as the expectations say. */
    @Test
    void sinksAndMailboxes_receivedWhatTheScenarioSays() throws IOException {
        assertEquals(List.of("ok-1@ok.sink.test", "ok-2@ok.sink.test", "ok-3@ok.sink.test", PARTNER_REMOTE,
                        TEAM_REMOTE), sorted(sink(SINK_OK).received()));
        assertEquals(List.of(RETRIED), sink(SINK_TEMPFAIL).received());
        assertEquals(List.of(), sink(SINK_REJECT).received());
        // bob: incoming-local, forward-local, forward-chain, multi; carol: utf8-subject, multi
        // (through team@); alice: four bounces.
        assertEquals(4, messagesIn(root.resolve("home/exampleco/mail/example.com/bob")));
        assertEquals(2, messagesIn(root.resolve("home/shopuser/mail/shop.test/carol")));
        assertEquals(4, messagesIn(root.resolve("home/exampleco/mail/example.com/alice")));
    }

    // ---- scenario helpers ----

    private Swaks.Message outgoing(String... to) {
        return new Swaks.Message(submissionPort, LAPTOP_HELO, ALICE, to).auth("LOGIN", ALICE, ALICE_PASSWORD);
    }

    private Swaks.Message incoming(String... to) {
        return new Swaks.Message(mxPort, OUTSIDE_HELO, OUTSIDER, to);
    }

    private void accepted(String scenario, Swaks swaks, Swaks.Message message) throws IOException, InterruptedException {
        Swaks.Sent sent = swaks.send(message);
        if (sent.result().exitCode() != 0 || sent.messageId().isEmpty()) {
            fail(scenario + ": Exim did not accept the message:\n" + sent.transcript());
        }
        messageIds.put(scenario, sent.messageId().get());
    }

    private void refused(String scenario, Swaks swaks, Swaks.Message message) throws IOException, InterruptedException {
        Swaks.Sent sent = swaks.send(message);
        if (sent.result().exitCode() == 0 || sent.messageId().isPresent()
                || !sent.result().stdout().contains("<** 550")) {
            fail(scenario + ": Exim should have refused the recipient with 550:\n" + sent.transcript());
        }
    }

    private static void authenticationFails(Swaks swaks, Swaks.Message message)
            throws IOException, InterruptedException {
        Swaks.Sent sent = swaks.send(message);
        if (sent.result().exitCode() == 0 || !sent.result().stdout().contains("<** 535")) {
            fail("Exim should have refused the password with 535:\n" + sent.transcript());
        }
    }

    /** Fields shared by every outcome of a message alice sent on the submission port. */
    private ExpectedOutcome fromAlice(String scenario, String type, String subject, String spam) {
        return ExpectedOutcome.of(scenario, type)
                .field("msgid", messageIds.get(scenario))
                .field("email", ALICE).field("sender", ALICE)
                .field("user", EXAMPLE_USER).field("domain", EXAMPLE_DOMAIN)
                .field("senderauth", "dovecot_login").field("senderip", LOOPBACK)
                .field("subject", subject).spam(spam);
    }

    /** Fields shared by every outcome of a message from outside, received on the MX port. */
    private ExpectedOutcome fromOutside(String scenario, String type, String subject, String spam) {
        return ExpectedOutcome.of(scenario, type)
                .field("msgid", messageIds.get(scenario))
                .field("email", OUTSIDER).field("user", "-remote-").field("domain", "outside.test")
                .field("senderauth", "unauthorized").field("senderip", LOOPBACK)
                .field("subject", subject).spam(spam);
    }

    /** A recipient refused at RCPT time: no message, so no id, subject, score or route. */
    private static ExpectedOutcome rejected(String scenario, String recipient, String reason) {
        return ExpectedOutcome.of(scenario, "rejected")
                .field("msgid", null).field("recipient", recipient)
                .field("email", OUTSIDER).field("user", "-remote-").field("senderip", LOOPBACK)
                .field("subject", null).spam(null).route(null, null).attempts(0)
                .fieldContains("message", reason);
    }

    /**
     * Pairs each expectation with the parser's record for the same message and recipient; where
     * several records qualify (one address forwarded to two places), the one agreeing on most
     * fields. Records left over are kept for the checks that look for extras and bounces.
     */
    private void pair(List<ExpectedOutcome> expectations, List<JsonObject> parsed) {
        List<JsonObject> pool = new ArrayList<>(parsed);
        for (ExpectedOutcome e : expectations) {
            pool.stream()
                    .filter(r -> Objects.equals(string(r, "msgid"), e.expected("msgid"))
                            && Objects.equals(string(r, "recipient"), e.expected("recipient")))
                    .max(Comparator.comparingInt(e::agreement))
                    .ifPresent(r -> {
                        matched.put(e, r);
                        pool.remove(r);
                    });
        }
        unmatched.addAll(pool);
    }

    // ---- small utilities ----

    private SmtpSink sink(String address) {
        return sinks.stream().filter(s -> s.address().equals(address)).findFirst().orElseThrow();
    }

    private static void requireRoot() throws IOException, InterruptedException {
        CommandResult id = CommandResult.run(List.of("id", "-u"), Duration.ofSeconds(10));
        if (!id.stdout().trim().equals("0")) {
            fail("EximEndToEndIT must run as root: it starts Exim with a private configuration");
        }
    }

    /** Distinct free TCP ports on 127.0.0.1 (held open together, so they differ). */
    private static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                held.add(socket);
                socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    /** An RFC 2047 encoded word, as a mail client writes a non-ASCII subject. */
    private static String encodedWord(String text) {
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    private static String string(JsonObject record, String name) {
        JsonElement value = record.get(name);
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }

    private static long number(JsonObject record, String name) {
        JsonElement value = record.get(name);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            fail(name + " is not a number in " + record);
        }
        return value.getAsLong();
    }

    private static List<String> sorted(List<String> list) {
        return list.stream().sorted().toList();
    }

    private static long messagesIn(Path maildir) throws IOException {
        Path fresh = maildir.resolve("new");
        if (!Files.isDirectory(fresh)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(fresh)) {
            return files.count();
        }
    }

    private static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        Set<Path> failed = new HashSet<>();
        try (Stream<Path> tree = Files.walk(top)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    failed.add(path);
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new IOException("could not delete " + failed);
        }
    }
}
