package dev.waybill.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Sends one message with swaks, the SMTP test client, and reads Exim's answer. */
final class Swaks {

    private static final Pattern QUEUED_AS = Pattern.compile("<-\\s+250 OK id=(\\S+)");

    private final Path binary;
    private final String server;

    Swaks(String server) {
        this.binary = Stream.of("/usr/bin/swaks", "/usr/local/bin/swaks").map(Path::of)
                .filter(Files::isExecutable).findFirst()
                .orElseGet(() -> fail("swaks is not installed; install the Debian package swaks"));
        this.server = server;
    }

    /** What one SMTP conversation came to. */
    record Sent(CommandResult result) {
        /** Exim's message id from the final {@code 250 OK id=...}, if the message was accepted. */
        Optional<String> messageId() {
            Matcher m = QUEUED_AS.matcher(result.stdout());
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }

        String transcript() {
            return result.describe();
        }
    }

    /** One message: envelope, EHLO name, headers, and optional AUTH mechanism and login. */
    static final class Message {
        private final List<String> arguments = new ArrayList<>();

        Message(int port, String ehlo, String from, String... to) {
            add("--port", Integer.toString(port));
            add("--ehlo", ehlo);
            add("--from", from);
            add("--to", String.join(",", to));
            add("--body", "Waybill end-to-end test message.");
        }

        Message subject(String subject) {
            return add("--header", "Subject: " + subject);
        }

        /** The score the test's Exim configuration logs as SpamAssassin's. */
        Message spamScore(String score) {
            return add("--add-header", "X-Test-Spam-Score: " + score);
        }

        Message auth(String mechanism, String login, String password) {
            return add("--auth", mechanism).add("--auth-user", login).add("--auth-password", password);
        }

        private Message add(String option, String value) {
            arguments.add(option);
            arguments.add(value);
            return this;
        }
    }

    Sent send(Message message) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--server", server,
                "--timeout", "30", "--hide-informational"));
        command.addAll(message.arguments);
        return new Sent(CommandResult.run(command, Duration.ofSeconds(60)));
    }
}
