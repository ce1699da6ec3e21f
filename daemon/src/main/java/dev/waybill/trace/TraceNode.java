package dev.waybill.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of an address's route, with the steps that follow it. Immutable.
 *
 * @param kind what the step is
 * @param label what the step is about: an address, a host, an IP address, a command
 * @param router the Exim router that takes the step (cPanel's names), or null
 * @param transport the Exim transport that would deliver, or null
 * @param detail words for a person: a mailbox path, an MX priority, a failure's reason; or null
 * @param status how mail taking this step would fare
 * @param children the steps that follow, in order
 */
public record TraceNode(TraceKind kind, String label, String router, String transport, String detail,
        TraceStatus status, List<TraceNode> children) {

    public TraceNode {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(status, "status");
        children = List.copyOf(children);
    }

    /** A step with no children. */
    static TraceNode leaf(TraceKind kind, String label, String router, String transport, String detail,
            TraceStatus status) {
        return new TraceNode(kind, label, router, transport, detail, status, List.of());
    }

    /** An {@link TraceKind#ERROR} step. */
    static TraceNode error(String label, String detail) {
        return leaf(TraceKind.ERROR, label, null, null, detail, TraceStatus.FAILING);
    }

    /** True if this step or any below it is {@link TraceStatus#FAILING}. */
    public boolean anyFailing() {
        if (status == TraceStatus.FAILING) {
            return true;
        }
        for (TraceNode child : children) {
            if (child.anyFailing()) {
                return true;
            }
        }
        return false;
    }

    /** The number of steps in this tree, this one included. */
    public int size() {
        int n = 1;
        for (TraceNode child : children) {
            n += child.size();
        }
        return n;
    }

    /**
     * This tree as maps and lists of strings, ready for any JSON writer: keys {@code kind, label,
     * router, transport, detail, status, children}; null fields are left out, {@code children}
     * only when there are some. Kinds and statuses use their {@code jsonName()}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", kind.jsonName());
        map.put("label", label);
        putIfPresent(map, "router", router);
        putIfPresent(map, "transport", transport);
        putIfPresent(map, "detail", detail);
        map.put("status", status.jsonName());
        if (!children.isEmpty()) {
            List<Object> list = new ArrayList<>(children.size());
            for (TraceNode child : children) {
                list.add(child.toMap());
            }
            map.put("children", list);
        }
        return map;
    }

    private static void putIfPresent(Map<String, Object> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
