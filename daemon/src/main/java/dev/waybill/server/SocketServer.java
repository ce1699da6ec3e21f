package dev.waybill.server;

import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The daemon's Unix socket server (Netty, epoll): accepts connections, reads the caller's
 * credentials from the kernel, and answers requests with the methods of its
 * {@link MethodRegistry}. See the package documentation for the pipeline.
 *
 * <pre>
 * MethodRegistry methods = new MethodRegistry();
 * SocketServer server = new SocketServer(settings, methods, resolver, log).registerBuiltins(ingestState);
 * methods.register("search", searchMethod);
 * server.start();
 * ...
 * server.close();
 * </pre>
 */
public final class SocketServer implements Closeable {

    /** File descriptors kept free for everything else the daemon opens (logs, database, jars). */
    static final int RESERVED_FDS = 128;
    private static final long TOO_MANY_LOG_EVERY_MS = 60_000;
    /** Set on a connection accepted past the limit: it is told so and closed. */
    private static final AttributeKey<Integer> OVER_LIMIT = AttributeKey.valueOf("waybill.overLimit");

    private final ServerSettings settings;
    private final MethodRegistry methods;
    private final ScopeResolver resolver;
    private final Consumer<String> log;
    private final Function<Channel, PeerIdentity> identify;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong tooManySaidAt = new AtomicLong();
    private final SocketFile file;

    private volatile Instant startedAt = Instant.now();
    private volatile int maxConnections;
    private EventLoopGroup group;
    private ThreadPoolExecutor workers;
    private ChannelGroup channels;
    private Channel serverChannel;
    private boolean closed;

    /**
     * A server not yet listening.
     *
     * @param log where problems worth an administrator's attention are said, one line each
     */
    public SocketServer(ServerSettings settings, MethodRegistry methods, ScopeResolver resolver, Consumer<String> log) {
        this.settings = settings;
        this.methods = methods;
        this.resolver = resolver;
        this.log = log;
        this.identify = SocketServer::peerOf;
        this.file = new SocketFile(settings.socketPath());
        this.maxConnections = settings.maxConnections();
    }

    /**
     * Registers {@code health} (with {@code ingestState} as its {@code ingest} section) and
     * {@code whoami}.
     */
    public SocketServer registerBuiltins(Supplier<Map<String, Object>> ingestState) {
        return registerBuiltins(ingestState, Map::of);
    }

    /**
     * As {@link #registerBuiltins(Supplier)}, with more facts about the daemon at the top level of
     * {@code health} (such as {@code admin_url}, where the admin page listens).
     */
    public SocketServer registerBuiltins(Supplier<Map<String, Object>> ingestState,
            Supplier<Map<String, Object>> daemonFacts) {
        methods.registerNonBlocking("health", new HealthMethod(this, ingestState, daemonFacts));
        methods.registerNonBlocking("whoami", new WhoamiMethod());
        return this;
    }

    /**
     * Starts listening.
     *
     * @throws IOException if the native transport is missing, another daemon listens on the
     *                     socket, or the socket cannot be made; the message says which
     */
    public synchronized void start() throws IOException {
        if (group != null || closed) {
            throw new IllegalStateException("a server starts once");
        }
        if (!Epoll.isAvailable()) {
            throw new IOException("the epoll transport is not available on this system (" + Epoll.unavailabilityCause()
                    + "); Waybill needs Linux on x86_64");
        }
        maxConnections = clampToDescriptorLimit(settings.maxConnections());
        file.prepare();
        workers = new ThreadPoolExecutor(settings.workerThreads(), settings.workerThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.workerQueue()), daemonThreads("waybill-worker"));
        group = new MultiThreadIoEventLoopGroup(Math.min(4, Runtime.getRuntime().availableProcessors()),
                daemonThreads("waybill-socket"), EpollIoHandler.newFactory());
        channels = new DefaultChannelGroup("waybill-connections", GlobalEventExecutor.INSTANCE);
        LastHandler last = new LastHandler(log);
        PerUidLimit connectionsPerUid = new PerUidLimit(settings.maxConnectionsPerUid(), "socket connections", log);
        PerUidLimit busyPerUid = new PerUidLimit(Math.max(1, settings.workerThreads() / 2),
                "requests on the worker pool", log);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                // a client may send its requests and shut down its side (`... | socat`): still answer
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.writeLowWaterMark(), settings.writeHighWaterMark()))
                .handler(new ChannelInboundHandlerAdapter() {
                    /** Counts accepted connections here, on the one accepting thread, in order. */
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        Channel ch = (Channel) msg;
                        int n = open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (n > maxConnections) {
                            ch.attr(OVER_LIMIT).set(n);
                        }
                        ctx.fireChannelRead(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // accept(2) failed, most likely out of file descriptors; the server goes on
                        long now = System.currentTimeMillis();
                        long said = tooManySaidAt.get();
                        if (now - said >= TOO_MANY_LOG_EVERY_MS && tooManySaidAt.compareAndSet(said, now)) {
                            log.accept("cannot accept a socket connection: " + cause);
                        }
                    }
                })
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        Integer over = ch.attr(OVER_LIMIT).get();
                        if (over != null) {
                            ch.pipeline().addLast(new Refuser(over));
                            return;
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("framer", new LineFramer(ServerSettings.MAX_LINE_BYTES))
                                .addLast("json", JsonCodec.INSTANCE)
                                .addLast("dispatcher", new Dispatcher(methods, resolver, workers, settings, identify,
                                        connectionsPerUid, busyPerUid, log))
                                .addLast("last", last);
                    }
                });
        try {
            serverChannel = bootstrap.bind(new DomainSocketAddress(settings.socketPath().toFile())).sync().channel();
            file.bound();
            String closed = file.closedToOthers();
            if (closed != null) {
                log.accept("warning: " + closed);
            }
        } catch (Exception e) {
            shutdownThreads();
            // The native error names neither the file nor the setting: "bind(..) failed ...".
            String why = e.getMessage() != null && e.getMessage().contains("): ")
                    ? e.getMessage().substring(e.getMessage().lastIndexOf("): ") + 3) : String.valueOf(e.getMessage());
            throw new IOException("cannot listen on " + settings.socketPath() + " (socket.path): " + why, e);
        }
        startedAt = Instant.now();
    }

    /**
     * Makes {@code defaultPath} lead here too, when the socket is elsewhere: the callers that
     * cannot read the configuration (the cPanel and WHM pages, cPanel accounts' CLI) look there.
     * Only in a directory of this daemon's own; the link goes with the socket file at {@link #close}.
     *
     * @return "" when it leads here, null when its directory is not this daemon's (nothing done),
     *         else why not, in a sentence
     */
    public synchronized String alsoAt(Path defaultPath) {
        return file.linkFrom(defaultPath);
    }

    /** Stops listening, removes the socket file (and its link), closes every connection. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        file.remove();
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

    /** Where the server listens. */
    public Path path() {
        return settings.socketPath();
    }

    /** Connections open now (refused ones included while they are being closed). */
    public int connections() {
        return open.get();
    }

    /** The connection limit in force, after clamping to the file descriptor limit. */
    public int maxConnections() {
        return maxConnections;
    }

    /** When the server started listening. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The daemon's version from the jar's manifest, or {@code dev} when run from classes. */
    public static String version() {
        String v = SocketServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Lowers {@code wanted} so that the connections fit in the process's file descriptor limit. */
    private int clampToDescriptorLimit(int wanted) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean unix)) {
            return wanted;
        }
        long room = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - RESERVED_FDS;
        if (wanted <= room) {
            return wanted;
        }
        int clamped = (int) Math.max(1, room);
        log.accept("warning: room for only " + clamped + " socket connections under the open-file limit of "
                + unix.getMaxFileDescriptorCount() + " (" + wanted + " wanted); raise LimitNOFILE");
        return clamped;
    }

    private static PeerIdentity peerOf(Channel ch) {
        try {
            PeerCredentials c = ((EpollDomainSocketChannel) ch).peerCredentials();
            int[] gids = c.gids();
            return new PeerIdentity(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Tells a connection over the limit why it is closed, and closes it. */
    private final class Refuser extends ChannelInboundHandlerAdapter {

        private final int count;

        Refuser(int count) {
            this.count = count;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            long now = System.currentTimeMillis();
            long said = tooManySaidAt.get();
            if (now - said >= TOO_MANY_LOG_EVERY_MS && tooManySaidAt.compareAndSet(said, now)) {
                log.accept("refusing socket connections: " + count + " open, the limit is " + maxConnections);
            }
            String line = "{\"id\":null,\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections ("
                    + maxConnections + " open); try again later\"}}\n";
            ByteBuf out = ByteBufUtil.writeUtf8(ctx.alloc(), line);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
