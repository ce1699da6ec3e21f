package dev.waybill.server;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The methods a {@link SocketServer} answers, by name. Register them before the server starts
 * (a method added later is found too). Thread-safe.
 *
 * <pre>
 * methods.register("search", (request, scope, reply) -&gt; reply.result(queries.search(request.params(), scope)));
 * </pre>
 */
public final class MethodRegistry {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.]{0,63}");

    /** A registered method and where it runs. */
    record Entry(String name, Method method, boolean blocking) {
    }

    private final Map<String, Entry> methods = new ConcurrentHashMap<>();

    /**
     * Registers a method that may block (database calls): it runs on the worker pool.
     *
     * @throws IllegalArgumentException if the name is taken or not a lower-case word
     */
    public MethodRegistry register(String name, Method method) {
        return add(new Entry(name, method, true));
    }

    /**
     * Registers a method that never blocks and answers in microseconds ({@code health},
     * {@code whoami}): it runs on the network thread, skipping the hand-over to the pool. It may
     * not stream.
     *
     * @throws IllegalArgumentException if the name is taken or not a lower-case word
     */
    public MethodRegistry registerNonBlocking(String name, Method method) {
        return add(new Entry(name, method, false));
    }

    private MethodRegistry add(Entry e) {
        if (!NAME.matcher(e.name()).matches()) {
            throw new IllegalArgumentException("a method name is a lower-case word, not '" + e.name() + "'");
        }
        if (e.method() == null) {
            throw new IllegalArgumentException("method " + e.name() + " is null");
        }
        if (methods.putIfAbsent(e.name(), e) != null) {
            throw new IllegalArgumentException("method " + e.name() + " is already registered");
        }
        return this;
    }

    /** The method called {@code name}, or null. */
    Entry find(String name) {
        return methods.get(name);
    }

    /** The names registered, sorted. */
    public Set<String> names() {
        return new TreeSet<>(methods.keySet());
    }
}
