package dev.waybill.admin;

import dev.waybill.render.Pages;
import dev.waybill.render.Templates;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The admin page's HTTP listener: loopback only, off unless {@code admin.listen} is set. Bounded
 * everywhere a client could make it grow: {@value #MAX_CONNECTIONS} connections (more are told
 * 503 and closed), request lines and headers of {@value #MAX_LINE_BYTES} bytes each, no request
 * bodies, {@value AdminHandler#HEAD_SECONDS} s from the connection's opening to the end of the
 * request's headers (then 408), {@value #IDLE_SECONDS} s of silence, and {@value #WORKERS} workers
 * with a short queue for the views (a full queue answers 503 at once). Nothing a client sends can
 * stop the daemon.
 *
 * <pre>
 * AdminServer admin = new AdminServer(address, token, tokenFile, pages, templates, log);
 * admin.start();
 * ... admin.url() ...
 * admin.close();
 * </pre>
 */
public final class AdminServer implements Closeable {

    static final int MAX_CONNECTIONS = 64;
    /** A request line holds the path and a page's query string (at most 8 KiB) and the token. */
    static final int MAX_LINE_BYTES = 16 * 1024;
    static final int IDLE_SECONDS = 30;
    static final int WORKERS = 2;
    static final int WORKER_QUEUE = 16;

    private final InetSocketAddress address;
    private final AdminToken token;
    private final Path tokenFile;
    private final Pages pages;
    private final SecurityHeaders headers;
    private final Consumer<String> log;
    private final AtomicInteger open = new AtomicInteger();

    private EventLoopGroup group;
    private ThreadPoolExecutor workers;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile InetSocketAddress bound;
    private boolean closed;

    /**
     * @param address   where to listen; a loopback address (checked again here)
     * @param token     the token visitors must show
     * @param tokenFile where the token is, for the page that asks for it
     * @param pages     the views, the same the socket's render method uses
     * @param templates where the views' inline stylesheet and script come from, for the CSP
     * @param log       one line per event worth an administrator's attention
     */
    public AdminServer(InetSocketAddress address, AdminToken token, Path tokenFile, Pages pages, Templates templates,
            Consumer<String> log) {
        if (address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin page listens on a loopback address only, not " + address);
        }
        this.address = address;
        this.token = token;
        this.tokenFile = tokenFile;
        this.pages = pages;
        this.headers = new SecurityHeaders(templates);
        this.log = log;
    }

    /**
     * Starts listening.
     *
     * @throws IOException if the address cannot be bound (in use, say); the message names it
     */
    public synchronized void start() throws IOException {
        if (group != null || closed) {
            throw new IllegalStateException("an admin server starts once");
        }
        workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WORKER_QUEUE), daemonThreads("waybill-admin-worker"));
        group = new MultiThreadIoEventLoopGroup(1, daemonThreads("waybill-admin-http"), NioIoHandler.newFactory());
        channels = new DefaultChannelGroup("waybill-admin", GlobalEventExecutor.INSTANCE);
        Last last = new Last(log);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        int n = open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (n > MAX_CONNECTIONS) {
                            String busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
                                    + "Retry-After: 5\r\n\r\n";
                            ch.writeAndFlush(ByteBufUtil.writeAscii(ch.alloc(), busy)).addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast("http", new HttpServerCodec(MAX_LINE_BYTES, MAX_LINE_BYTES, 8192))
                                .addLast("admin", new AdminHandler(token, tokenFile, pages, headers, workers, log))
                                .addLast("last", last);
                    }
                });
        try {
            serverChannel = bootstrap.bind(address).sync().channel();
        } catch (Exception e) {
            shutdownThreads();
            throw new IOException("admin.listen " + text(address) + ": cannot listen (" + e.getMessage()
                    + "); choose another port or turn the admin page off", e);
        }
        bound = (InetSocketAddress) serverChannel.localAddress();
    }

    /** The page's address, {@code http://127.0.0.1:8470/}, once started; null before. */
    public String url() {
        InetSocketAddress b = bound;
        return b == null ? null : "http://" + text(b) + "/";
    }

    /** Connections open now. */
    public int connections() {
        return open.get();
    }

    /** Stops listening and closes every connection. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (channels != null) {
            channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        shutdownThreads();
    }

    private void shutdownThreads() {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The end of the pipeline: a silent connection is closed; anything that went wrong and was
     * not answered is logged (a peer that simply went away is not) and the connection closed.
     */
    @Sharable
    static final class Last extends ChannelInboundHandlerAdapter {

        private final Consumer<String> log;

        Last(Consumer<String> log) {
            this.log = log;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) {
                log.accept("admin page connection from " + ctx.channel().remoteAddress() + " failed and is closed: "
                        + cause);
            }
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
