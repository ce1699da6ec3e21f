package dev.waybill.trace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny authoritative DNS server for tests, on 127.0.0.1 and a free UDP port: it answers MX, A
 * and AAAA queries from a table, and for chosen names answers NXDOMAIN, SERVFAIL, or nothing at
 * all (so the client times out). A name with no entry is NXDOMAIN; a known name without records of
 * the asked type gets an empty answer (NODATA). Only what a trace needs of RFC 1035 §4.
 */
final class TestDnsServer implements AutoCloseable {

    private static final int TYPE_A = 1;
    private static final int TYPE_MX = 15;
    private static final int TYPE_AAAA = 28;

    /** What the server does for one name. */
    enum Behaviour { ANSWER, NXDOMAIN, SERVFAIL, SILENT }

    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> records = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();

    TestDnsServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "test-dns-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** A resolver asking only this server, with a short timeout for the silent names. */
    JndiMxResolver resolver() {
        return JndiMxResolver.forServer(address(), Duration.ofMillis(300), 1);
    }

    int queries() {
        return queries.get();
    }

    TestDnsServer mx(String name, int preference, String host) {
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        rdata.write(preference >> 8);
        rdata.write(preference);
        writeName(rdata, host);
        return add(name, TYPE_MX, rdata.toByteArray());
    }

    TestDnsServer a(String name, String ip) throws IOException {
        return add(name, TYPE_A, InetAddress.getByName(ip).getAddress());
    }

    TestDnsServer aaaa(String name, String ip) throws IOException {
        return add(name, TYPE_AAAA, InetAddress.getByName(ip).getAddress());
    }

    /** A name that exists with no records of any type asked for. */
    TestDnsServer exists(String name) {
        behaviours.put(key(name), Behaviour.ANSWER);
        return this;
    }

    TestDnsServer behave(String name, Behaviour behaviour) {
        behaviours.put(key(name), behaviour);
        return this;
    }

    private TestDnsServer add(String name, int type, byte[] rdata) {
        behaviours.putIfAbsent(key(name), Behaviour.ANSWER);
        records.computeIfAbsent(key(name) + "/" + type, k -> new ArrayList<>()).add(rdata);
        return this;
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                queries.incrementAndGet();
                byte[] reply = reply(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
                // a malformed query gets no answer; the server goes on
            }
        }
    }

    private byte[] reply(ByteBuffer query) {
        int id = query.getShort() & 0xffff;
        int flags = query.getShort() & 0xffff;
        query.position(12);
        StringBuilder name = new StringBuilder();
        for (int len = query.get() & 0xff; len != 0; len = query.get() & 0xff) {
            if (name.length() > 0) {
                name.append('.');
            }
            byte[] label = new byte[len];
            query.get(label);
            name.append(new String(label, java.nio.charset.StandardCharsets.US_ASCII));
        }
        int type = query.getShort() & 0xffff;
        query.getShort(); // class IN
        int questionEnd = query.position();

        Behaviour behaviour = behaviours.getOrDefault(key(name.toString()), Behaviour.NXDOMAIN);
        if (behaviour == Behaviour.SILENT) {
            return null;
        }
        int rcode = behaviour == Behaviour.NXDOMAIN ? 3 : behaviour == Behaviour.SERVFAIL ? 2 : 0;
        List<byte[]> answers = rcode == 0
                ? records.getOrDefault(key(name.toString()) + "/" + type, List.of()) : List.of();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, id);
        // QR, the query's opcode and RD, AA, RA, the response code
        writeShort(out, 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode);
        writeShort(out, 1);
        writeShort(out, answers.size());
        writeShort(out, 0);
        writeShort(out, 0);
        out.write(query.array(), 12, questionEnd - 12);
        for (byte[] rdata : answers) {
            writeShort(out, 0xc00c); // the name, pointing at the question's
            writeShort(out, type);
            writeShort(out, 1);
            writeShort(out, 0);
            writeShort(out, 60);
            writeShort(out, rdata.length);
            out.write(rdata, 0, rdata.length);
        }
        return out.toByteArray();
    }

    private static void writeName(ByteArrayOutputStream out, String name) {
        String n = key(name);
        if (!n.isEmpty()) {
            for (String label : n.split("\\.")) {
                byte[] bytes = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                out.write(bytes.length);
                out.write(bytes, 0, bytes.length);
            }
        }
        out.write(0);
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >> 8);
        out.write(value);
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
