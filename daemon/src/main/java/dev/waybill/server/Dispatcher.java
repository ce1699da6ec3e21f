package dev.waybill.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Answers the requests of one connection, one at a time and in the order they came: pipelined
 * requests queue here; past {@link ServerSettings#maxPending()} the server stops reading from the
 * connection, so what queues is bounded by what one read brought in (about 64 KiB of lines, all
 * of them answered). {@link #MAX_QUEUED} is a last safety net. Blocking
 * methods run on the worker pool; a full pool answers {@code unavailable} at once rather than
 * queueing without bound, and so does a uid other than root that has as many requests there as
 * half the workers already: one account's slow requests (a search of every subject, a trace
 * through DNS that does not answer) sent on many connections leave workers for the others.
 *
 * <p>It also keeps the connection honest: a client whose unread replies pass the high water mark
 * is not read from, and is closed when it stays so for {@link ServerSettings#stallTimeout()}; a
 * connection idle for {@link ServerSettings#idleTimeout()} (a half-sent line included) is told so
 * and closed.
 *
 * <p>All fields are touched on the connection's event loop only, except where a worker writes a
 * reply (Netty hands that write to the event loop, keeping the order) or waits for writability.
 */
final class Dispatcher extends ChannelInboundHandlerAdapter {

    /** The kernel's identity of the connection, for the log of the last handler. */
    static final AttributeKey<PeerIdentity> PEER = AttributeKey.valueOf("waybill.peer");

    /** Queued requests past which more are refused with {@code unavailable}. */
    static final int MAX_QUEUED = 8192;

    private final MethodRegistry methods;
    private final ScopeResolver resolver;
    private final Executor workers;
    private final ServerSettings settings;
    private final Function<Channel, PeerIdentity> identify;
    private final PerUidLimit connectionsPerUid;
    private final PerUidLimit busyPerUid;
    private final Consumer<String> log;

    private final ArrayDeque<Inbound> pending = new ArrayDeque<>();
    /** Signalled when the channel becomes writable or inactive; streaming producers wait on it. */
    private final Object writability = new Object();
    private ChannelHandlerContext ctx;
    private PeerIdentity peer;
    /** A request is being answered (on a worker or right here). */
    private boolean busy;
    private ScheduledFuture<?> stallCheck;
    /** The client shut down its sending side: answer what came, then close. */
    private boolean inputShutdown;

    Dispatcher(MethodRegistry methods, ScopeResolver resolver, Executor workers, ServerSettings settings,
            Function<Channel, PeerIdentity> identify, PerUidLimit connectionsPerUid, PerUidLimit busyPerUid,
            Consumer<String> log) {
        this.methods = methods;
        this.resolver = resolver;
        this.workers = workers;
        this.settings = settings;
        this.identify = identify;
        this.connectionsPerUid = connectionsPerUid;
        this.busyPerUid = busyPerUid;
        this.log = log;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        PeerIdentity who;
        try {
            who = identify.apply(ctx.channel());
        } catch (RuntimeException e) {
            log.accept("cannot read the credentials of a new connection (" + e + "); closed");
            ctx.writeAndFlush(Replies.error(null, ErrorCode.INTERNAL, "cannot tell who is connecting"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!connectionsPerUid.admit(who)) {
            ctx.writeAndFlush(Replies.error(null, ErrorCode.UNAVAILABLE, "too many connections from uid " + who.uid()
                    + " (" + connectionsPerUid.limit() + " open); close some, or try again later"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> connectionsPerUid.release(who));
        peer = who;
        ctx.channel().attr(PEER).set(peer);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Inbound in = (Inbound) msg;
        if (peer == null) {
            return; // closing: the credentials could not be read
        }
        if (pending.size() >= MAX_QUEUED) {
            in = new Inbound.Refused(in.id(), ErrorCode.UNAVAILABLE, "too many requests in flight on one connection ("
                    + pending.size() + "); read the replies before sending more");
        }
        pending.add(in);
        drain();
    }

    /** Starts queued requests while none is running. */
    private void drain() {
        while (!busy && !pending.isEmpty() && ctx.channel().isActive()) {
            start(pending.poll());
        }
        if (inputShutdown && !busy && pending.isEmpty()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        updateReading();
    }

    private void start(Inbound in) {
        if (in instanceof Inbound.Refused r) {
            ctx.writeAndFlush(Replies.error(r.id(), r.code(), r.message()));
            return;
        }
        Inbound.Call call = (Inbound.Call) in;
        MethodRegistry.Entry entry = methods.find(call.method());
        if (entry == null) {
            ctx.writeAndFlush(Replies.error(call.id(), ErrorCode.NOT_FOUND, "no method '" + brief(call.method())
                    + "'; the methods are " + String.join(", ", methods.names())));
            return;
        }
        ReplyWriter reply = new ReplyWriter(call.id(), entry.name());
        if (!entry.blocking()) {
            answer(call, entry, reply);
            return;
        }
        if (!busyPerUid.admit(peer)) {
            ctx.writeAndFlush(Replies.error(call.id(), ErrorCode.UNAVAILABLE, busyPerUid.limit()
                    + " requests of uid " + peer.uid() + " are being answered already; send this one when one of"
                    + " them is"));
            return;
        }
        busy = true;
        try {
            workers.execute(() -> {
                try {
                    answer(call, entry, reply);
                } finally {
                    busyPerUid.release(peer);
                    ctx.executor().execute(this::finished);
                }
            });
        } catch (RejectedExecutionException e) {
            busyPerUid.release(peer);
            busy = false;
            ctx.writeAndFlush(Replies.error(call.id(), ErrorCode.UNAVAILABLE,
                    "the daemon is overloaded; try again in a moment"));
        }
    }

    private void finished() {
        busy = false;
        drain();
    }

    /** Resolves the scope, runs the method, and makes sure exactly one final reply goes out. */
    private void answer(Inbound.Call call, MethodRegistry.Entry entry, ReplyWriter reply) {
        Request request = null;
        try {
            ScopeResolver.Access access = resolver.resolve(peer, call.as(), call.email());
            request = new Request(call.id(), call.method(), new Params(call.params()), access.caller());
            entry.method().call(request, access.scope(), reply);
            if (!reply.finished()) {
                log.accept("method " + entry.name() + " returned without answering " + request);
                reply.fail(ErrorCode.INTERNAL, "method " + entry.name() + " gave no answer");
            }
        } catch (RequestException e) {
            reply.fail(e.code(), e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            String what = request != null ? request.toString() : entry.name() + " from " + peer;
            log.accept("method " + entry.name() + " failed on " + what + ": " + stackTrace(e));
            reply.fail(ErrorCode.INTERNAL, "internal error in " + entry.name() + "; the daemon's log says more");
        }
    }

    private void updateReading() {
        if (inputShutdown) {
            // nothing more can come; and asking the epoll transport to read again after the end of
            // the input fails, which closed the connection with the queued requests unanswered
            return;
        }
        Channel ch = ctx.channel();
        boolean read = pending.size() < settings.maxPending() && ch.isWritable();
        if (ch.config().isAutoRead() != read) {
            ch.config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        synchronized (writability) {
            writability.notifyAll();
        }
        if (ch.isWritable()) {
            if (stallCheck != null) {
                stallCheck.cancel(false);
                stallCheck = null;
            }
        } else if (stallCheck == null) {
            Duration stall = settings.stallTimeout();
            stallCheck = ctx.executor().schedule(() -> {
                stallCheck = null;
                if (ch.isActive() && !ch.isWritable()) {
                    log.accept("closing the connection of " + peer + ": it left its replies unread for "
                            + seconds(stall));
                    ch.close();
                }
            }, stall.toMillis(), TimeUnit.MILLISECONDS);
        }
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            drain();
            return;
        }
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (busy || !pending.isEmpty() || !ctx.channel().isWritable()) {
            return; // a long answer is under way, or the stall check is in charge
        }
        LineFramer framer = ctx.pipeline().get(LineFramer.class);
        String timeout = seconds(settings.idleTimeout());
        JsonObject error = framer != null && framer.holdsPartialLine()
                ? Replies.error(null, ErrorCode.BAD_REQUEST, "no end of line within " + timeout
                        + "; a request is one line ending in \\n; closing")
                : Replies.error(null, ErrorCode.UNAVAILABLE, "idle for " + timeout + "; closing");
        ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (writability) {
            writability.notifyAll();
        }
        pending.clear();
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /** The {@link Reply} of one request; written from a worker thread or the event loop. */
    private final class ReplyWriter implements Reply {

        private final JsonElement id;
        private final String method;
        private volatile boolean finished;

        ReplyWriter(JsonElement id, String method) {
            this.id = id;
            this.method = method;
        }

        boolean finished() {
            return finished;
        }

        @Override
        public void result(JsonObject result) {
            if (finished) {
                throw new IllegalStateException(method + " already answered request " + id);
            }
            finished = true;
            ctx.writeAndFlush(Replies.result(id, result));
        }

        @Override
        public void chunk(String text) throws RequestException {
            if (finished) {
                throw new IllegalStateException(method + " already answered request " + id);
            }
            if (ctx.executor().inEventLoop()) {
                throw new IllegalStateException(method + " is registered as non-blocking and cannot stream");
            }
            awaitWritable();
            ctx.writeAndFlush(Replies.chunk(id, text));
        }

        void fail(ErrorCode code, String message) {
            if (finished) {
                log.accept("method " + method + " failed after answering request " + id + ": " + message);
                return;
            }
            finished = true;
            ctx.writeAndFlush(Replies.error(id, code, message));
        }

        /** Waits while the client's unread replies are above the high water mark. */
        private void awaitWritable() throws RequestException {
            Channel ch = ctx.channel();
            long deadline = System.nanoTime() + settings.stallTimeout().toNanos();
            synchronized (writability) {
                while (ch.isActive() && !ch.isWritable()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw RequestException.unavailable("the client left the reply unread for "
                                + seconds(settings.stallTimeout()));
                    }
                    try {
                        writability.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw RequestException.unavailable("the daemon is stopping");
                    }
                }
            }
            if (!ch.isActive()) {
                throw RequestException.unavailable("the client closed the connection");
            }
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String brief(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString().strip();
    }
}
