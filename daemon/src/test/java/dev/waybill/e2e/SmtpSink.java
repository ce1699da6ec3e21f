package dev.waybill.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A remote mail server for Exim to deliver to: a plain SMTP listener on one loopback address
 * that answers each RCPT by the recipient's local part.
 *
 * <ul>
 *   <li>{@code tempfail-*}: {@code 451}, until {@link #acceptFrom(String)} names the address;
 *   <li>{@code reject-*}: {@code 550};
 *   <li>anything else: {@code 250}.
 * </ul>
 *
 * <p>Exim keeps retry state per host IP, so sinks with different behaviours listen on different
 * addresses (127.0.0.2, 127.0.0.3, ...); they share one port, because a transport has one.
 * The sink remembers every recipient it accepted a message for.
 */
final class SmtpSink implements AutoCloseable {

    private final String hostname;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<String> acceptNow = ConcurrentHashMap.newKeySet();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private SmtpSink(String hostname, ServerSocket server) {
        this.hostname = hostname;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "smtp-sink-" + address());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * Starts one sink on each of {@code addresses}, all on the same free port.
     *
     * @param addresses loopback IP addresses, e.g. 127.0.0.2
     * @return the sinks, in the order of {@code addresses}
     */
    static List<SmtpSink> startOnCommonPort(List<String> addresses) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            List<ServerSocket> bound = new ArrayList<>();
            try {
                int port = 0;
                for (String address : addresses) {
                    ServerSocket socket = new ServerSocket();
                    bound.add(socket);
                    socket.bind(new InetSocketAddress(InetAddress.getByName(address), port), 50);
                    port = socket.getLocalPort();
                }
                List<SmtpSink> sinks = new ArrayList<>();
                for (int i = 0; i < addresses.size(); i++) {
                    sinks.add(new SmtpSink("sink" + (i + 1) + ".waybill.test", bound.get(i)));
                }
                return sinks;
            } catch (BindException e) {
                last = e; // the port was free on the first address only; try another
                for (ServerSocket socket : bound) {
                    socket.close();
                }
            }
        }
        throw new IOException("no port free on all of " + addresses, last);
    }

    String address() {
        return server.getInetAddress().getHostAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on, accept {@code recipient} even if its local part says tempfail. */
    void acceptFrom(String recipient) {
        acceptNow.add(recipient.toLowerCase(Locale.ROOT));
    }

    /** Recipients of every message this sink accepted, in order of arrival. */
    List<String> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : connections) {
            socket.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread session = new Thread(() -> serve(socket), "smtp-sink-session-" + address());
                session.setDaemon(true);
                session.start();
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                System.err.println("smtp sink " + address() + ": accept failed: " + e);
            }
        }
    }

    /** One SMTP session (RFC 5321), without pipelining or extensions beyond 8BITMIME. */
    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(60_000);
            // ISO-8859-1 keeps every byte as one char: the sink never needs to decode text.
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 " + hostname + " ESMTP test sink");
            List<String> accepted = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
                switch (verb) {
                    case "EHLO" -> reply(out, "250-" + hostname + "\r\n250 8BITMIME");
                    case "HELO" -> reply(out, "250 " + hostname);
                    case "MAIL", "RSET" -> {
                        accepted.clear();
                        reply(out, "250 2.1.0 Ok");
                    }
                    case "RCPT" -> {
                        String recipient = angleAddress(line);
                        String answer = answerFor(recipient);
                        if (answer.startsWith("250")) {
                            accepted.add(recipient);
                        }
                        reply(out, answer);
                    }
                    case "DATA" -> {
                        if (accepted.isEmpty()) {
                            reply(out, "503 5.5.1 No valid recipients");
                            continue;
                        }
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        while ((line = in.readLine()) != null && !line.equals(".")) {
                            // the message body is not kept
                        }
                        received.addAll(accepted);
                        accepted.clear();
                        reply(out, "250 2.0.0 Ok: queued by " + hostname);
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 " + hostname + " closing connection");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Command not recognised");
                }
            }
        } catch (IOException e) {
            if (!server.isClosed()) {
                System.err.println("smtp sink " + address() + ": session failed: " + e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    private String answerFor(String recipient) {
        String localPart = recipient.substring(0, Math.max(0, recipient.indexOf('@'))).toLowerCase(Locale.ROOT);
        if (localPart.startsWith("tempfail-") && !acceptNow.contains(recipient.toLowerCase(Locale.ROOT))) {
            return "451 4.2.0 <" + recipient + ">: mailbox busy, try again later";
        }
        if (localPart.startsWith("reject-")) {
            return "550 5.1.1 <" + recipient + ">: no such mailbox here";
        }
        return "250 2.1.5 Ok";
    }

    private static String angleAddress(String command) {
        int open = command.indexOf('<');
        int close = command.indexOf('>', open + 1);
        return open >= 0 && close > open ? command.substring(open + 1, close) : "";
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
