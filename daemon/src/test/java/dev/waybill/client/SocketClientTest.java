package dev.waybill.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against something at the socket that is not a well-behaved daemon (another program
 * at the path, a broken daemon): every answer it cannot use is an {@link IOException} saying so.
 */
class SocketClientTest {

    @TempDir
    Path dir;

    /** Accepts one connection, reads the request line, and answers {@code reply} bytes. */
    private CompletableFuture<Void> answering(ServerSocketChannel listener, byte[] reply) {
        return CompletableFuture.runAsync(() -> {
            try (SocketChannel ch = listener.accept()) {
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                while (ch.read(in) > 0 && in.get(in.position() - 1) != '\n') {
                    // the client's request, up to its end
                }
                ByteBuffer out = ByteBuffer.wrap(reply);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                // the client closed first: what the test is about in some cases
            }
        });
    }

    private Exception callAgainst(String reply) throws Exception {
        return callAgainst(reply.getBytes(StandardCharsets.UTF_8));
    }

    private Exception callAgainst(byte[] reply) throws Exception {
        Path socket = dir.resolve("s" + System.nanoTime() + ".sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<Void> server = answering(listener, reply);
            Exception e;
            try (SocketClient c = SocketClient.connect(socket).timeout(Duration.ofSeconds(20))) {
                e = assertThrows(Exception.class, () -> c.call("health", null, null, chunk -> { }));
            }
            server.get(20, TimeUnit.SECONDS);
            return e;
        }
    }

    @Test
    void call_replyOfTheWrongShape_isAnIOExceptionSayingSo() throws Exception {
        String[] replies = {
            "{\"id\":1,\"error\":\"boom\"}\n",
            "{\"id\":1,\"error\":{\"code\":\"internal\"}}\n",
            "{\"id\":1,\"error\":{\"code\":{},\"message\":\"m\"}}\n",
            "{\"id\":1,\"chunk\":{\"a\":1}}\n",
            "{\"id\":1,\"chunk\":null}\n",
            "{\"id\":1,\"result\":[]}\n",
        };
        for (String reply : replies) {
            Exception e = callAgainst(reply);
            assertEquals(IOException.class, e.getClass(), reply + " gave " + e);
            assertTrue(e.getMessage().startsWith("not a reply from waybill: "), e.getMessage());
        }
    }

    @Test
    void call_replyLineOverTheLimit_isRefusedAndReadNoFurther() throws Exception {
        byte[] endless = new byte[80 << 20];
        java.util.Arrays.fill(endless, (byte) 'x');
        Exception e = callAgainst(endless);
        assertEquals(IOException.class, e.getClass(), e.toString());
        assertTrue(e.getMessage().contains("longer than 64 MiB"), e.getMessage().substring(0, 100));
    }
}
