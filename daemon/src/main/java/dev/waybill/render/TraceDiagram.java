package dev.waybill.render;

import dev.waybill.trace.TraceKind;
import dev.waybill.trace.TraceNode;
import dev.waybill.trace.TraceStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An address's route as the steps of a diagram: this server first, then every step of the trace
 * tree in order with its depth, so that the template draws boxes joined by connectors without
 * recursion.
 */
final class TraceDiagram {

    private TraceDiagram() {
    }

    static List<Map<String, Object>> steps(TraceNode tree, String serverName) {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("depth", 0);
        start.put("kind", "This server");
        start.put("label", serverName);
        start.put("status", "ok");
        start.put("statusLabel", "accepts the message");
        start.put("first", true);
        start.put("failing", false);
        out.add(start);
        add(tree, 1, out);
        return out;
    }

    private static void add(TraceNode n, int depth, List<Map<String, Object>> out) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("depth", Math.min(depth, 12));
        s.put("kind", kind(n.kind()));
        s.put("label", n.label());
        s.put("router", n.router());
        s.put("transport", n.transport());
        s.put("detail", n.detail());
        // The tracer marks a forwarder failing when a route below it fails: the step that fails is
        // the deepest one, and the steps above it only lead there.
        boolean leads = n.status() == TraceStatus.FAILING && n.children().stream().anyMatch(TraceNode::anyFailing);
        s.put("status", leads ? "leads" : n.status().jsonName());
        s.put("statusLabel", leads ? "a route below fails" : status(n.status()));
        s.put("failing", n.status() == TraceStatus.FAILING && !leads);
        out.add(s);
        for (TraceNode c : n.children()) {
            add(c, depth + 1, out);
        }
    }

    static String kind(TraceKind k) {
        return switch (k) {
            case FORWARDER -> "Forwarder";
            case FILTER -> "Filter";
            case MAILBOX -> "Local mailbox";
            case PIPE -> "Pipe to a program";
            case FILE -> "File";
            case INCLUDE -> "Address list";
            case DISCARD -> "Discarded";
            case FAIL -> "Bounces";
            case DEFER -> "Deferred";
            case REMOTE -> "Remote delivery";
            case MX -> "Mail exchanger (MX)";
            case IP -> "Address";
            case DUPLICATE -> "Already delivered";
            case HIDDEN -> "Another account";
            case ERROR -> "Cannot trace";
        };
    }

    private static String status(TraceStatus s) {
        return switch (s) {
            case OK -> "works";
            case FAILING -> "fails here";
            case DEFERRED -> "would wait and retry";
            case UNKNOWN -> "decided later";
        };
    }
}
