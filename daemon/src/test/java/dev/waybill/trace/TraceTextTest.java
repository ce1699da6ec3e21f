package dev.waybill.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceTextTest {

    private static final TraceNode TREE = new TraceNode(TraceKind.FORWARDER, "team@example.com",
            "virtual_aliases_nostar", null, "forwarder in etc/valiases/example.com", TraceStatus.FAILING, List.of(
                    new TraceNode(TraceKind.REMOTE, "friend@example.net", "lookuphost", "remote_smtp", null,
                            TraceStatus.OK, List.of(
                                    new TraceNode(TraceKind.MX, "mx1.example.net", null, null, "priority 10",
                                            TraceStatus.OK, List.of(
                                                    TraceNode.leaf(TraceKind.IP, "192.0.2.10", null, null, "A", TraceStatus.OK))),
                                    TraceNode.leaf(TraceKind.MX, "mx2.example.net", null, null, "priority 20",
                                            TraceStatus.OK))),
                    TraceNode.leaf(TraceKind.FAIL, ":fail:", "virtual_aliases_nostar", null, "Gone", TraceStatus.FAILING)));

    @Test
    void render_tree_drawsBranchesAndMarksFailures() {
        assertEquals("""
                team@example.com  forwarder via virtual_aliases_nostar: forwarder in etc/valiases/example.com  [FAILING]
                ├── friend@example.net  remote via lookuphost → remote_smtp
                │   ├── mx1.example.net  mx: priority 10
                │   │   └── 192.0.2.10  ip: A
                │   └── mx2.example.net  mx: priority 20
                └── :fail:  fail via virtual_aliases_nostar: Gone  [FAILING]
                """, TraceText.render(TREE));
    }

    @Test
    void render_controlCharacters_areEscaped() {
        TraceNode n = TraceNode.leaf(TraceKind.FAIL, ":fail:", null, null, "bye\u001b[2J\r\nnow\u0085", TraceStatus.FAILING);
        assertEquals(":fail:  fail: bye\\x1b[2J\\x0d\\x0anow\\x85  [FAILING]\n", TraceText.render(n));
    }

    @Test
    void toMap_leavesOutNullsAndEmptyChildren() {
        Map<String, Object> map = TREE.toMap();
        assertEquals("forwarder", map.get("kind"));
        assertEquals("failing", map.get("status"));
        assertEquals(false, map.containsKey("transport"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> children = (List<Map<String, Object>>) map.get("children");
        assertEquals(Map.of("kind", "fail", "label", ":fail:", "router", "virtual_aliases_nostar", "detail", "Gone",
                "status", "failing"), children.get(1));
        assertEquals(List.of("kind", "label", "router", "transport", "status", "children"),
                List.copyOf(children.get(0).keySet()));
    }

    @Test
    void anyFailingAndSize_lookAtTheWholeTree() {
        assertEquals(true, TREE.anyFailing());
        assertEquals(6, TREE.size());
        assertEquals(false, TREE.children().get(0).anyFailing());
    }
}
