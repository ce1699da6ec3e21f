package dev.waybill.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.outcome.OutcomeType;
import dev.waybill.trace.TraceKind;
import dev.waybill.trace.TraceNode;
import dev.waybill.trace.TraceStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The templates and the pure parts of the views: escaping, the query string, times, the trace diagram. */
class TemplatesTest {

    static final String HOSTILE = "<img src=x onerror=alert(1)>\"'`=";

    @Test
    void bundledTemplates_compileAndEscapeEveryValue() {
        Templates t = Templates.load(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("standalone", true);
        m.put("title", HOSTILE);
        m.put("message", HOSTILE);
        m.put("todo", HOSTILE);
        m.put("who", HOSTILE);
        m.put("reportHref", "/cpsess1/x?a=1&b=2");
        m.put("nav", List.of(Map.of("label", HOSTILE, "href", "/cpsess1/x", "current", true)));
        StringWriter out = new StringWriter();
        t.render("error", m, out);
        String html = out.toString();
        assertFalse(html.contains("<img"), html);
        assertTrue(html.contains("&lt;img src&#61;x onerror&#61;alert(1)&gt;"), html);
        assertTrue(html.contains("href=\"/cpsess1/x?a&#61;1&amp;b&#61;2\""), html);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
    }

    @Test
    void load_unescapedTag_isRefused(@TempDir Path dir) throws IOException {
        copyPlugin(dir);
        Path report = dir.resolve("templates/report.mustache");
        Files.writeString(report, Files.readString(report) + "{{{subject}}}");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Templates.load(dir));
        assertTrue(e.getMessage().contains("unescaped"), e.getMessage());
    }

    @Test
    void load_delimiterChange_isRefused(@TempDir Path dir) throws IOException {
        copyPlugin(dir);
        Path help = dir.resolve("templates/help.mustache");
        Files.writeString(help, "{{=<% %>=}}<%&x%>" + Files.readString(help));
        assertThrows(IllegalStateException.class, () -> Templates.load(dir));
    }

    @Test
    void load_pluginDirWithoutTemplates_usesTheBundledOnes(@TempDir Path dir) {
        assertEquals("the templates bundled in the jar", Templates.load(dir).origin());
    }

    @Test
    void pageQuery_decodesLenientlyAndKeepsRepeats() {
        PageQuery q = PageQuery.parse("q=a%40b.example&type=defer&type=failure&bad=%zz&x=+spaced+&empty=");
        assertEquals("a@b.example", q.get("q"));
        assertEquals(List.of("defer", "failure"), q.all("type"));
        assertNull(q.get("bad"));
        assertEquals("spaced", q.get("x"));
        assertNull(q.get("empty"));
        assertEquals(EnumSet.of(OutcomeType.DEFER, OutcomeType.FAILURE), Pages.types(q));
        assertEquals(Pages.PROBLEMS, Pages.types(PageQuery.parse("show=problems&type=success")));
        assertEquals(EnumSet.allOf(OutcomeType.class), Pages.types(PageQuery.parse("")));
    }

    @Test
    void instant_localDateTimeWithBrowserOffset_isUtcSeconds() {
        // 10:00 in Tokyo (getTimezoneOffset() = -540) is 01:00 UTC
        assertEquals(1_795_741_200L, Pages.instant(PageQuery.parse("from=2026-11-27T10:00&tzo=-540"), "since", "from"));
        assertEquals(1_795_773_600L, Pages.instant(PageQuery.parse("from=2026-11-27T10:00"), "since", "from"));
        assertEquals(123L, Pages.instant(PageQuery.parse("since=123&from=2026-11-27T10:00"), "since", "from"));
        assertThrows(Pages.PageError.class, () -> Pages.instant(PageQuery.parse("to=yesterday"), "until", "to"));
    }

    /**
     * A range across a clock change: New York is 4 hours behind UTC on 20 October and 5 on 10
     * November, and the browser says each end's offset; the end without its own takes the start's.
     */
    @Test
    void instant_eachEndOfARangeTakesItsOwnOffset() {
        PageQuery q = PageQuery.parse("from=2026-10-20T00:00&to=2026-11-10T00:00&tzo=240&tzo_to=300");
        assertEquals(1_792_468_800L, Pages.instant(q, "since", "from"), "2026-10-20 04:00 UTC");
        assertEquals(1_794_286_800L, Pages.instant(q, "until", "to"), "2026-11-10 05:00 UTC");
        assertEquals(1_794_283_200L, Pages.instant(PageQuery.parse("to=2026-11-10T00:00&tzo=240"), "until", "to"));
    }

    @Test
    void match_wholeAddressIsExact_partIsContains() {
        assertEquals("EXACT", Pages.matchOf(PageQuery.parse(""), "a@b.example").name());
        assertEquals("CONTAINS", Pages.matchOf(PageQuery.parse(""), "@b.example").name());
        assertEquals("PREFIX", Pages.matchOf(PageQuery.parse("match=prefix"), "a@b.example").name());
        assertEquals("CONTAINS", Pages.matchOf(PageQuery.parse(""), "a@b.example", "alice").name());
        assertEquals("EXACT", Pages.matchOf(PageQuery.parse(""), null, "alice@b.example").name());
    }

    @Test
    void timelineStep_classifiesAttemptsAndSkipsContext() {
        assertEquals("defer", Pages.timelineStep("2026-11-28 10:00:01 1wPg00-000005-05 == a@b R=x T=y defer (-44): 451 later")
                .get("kind"));
        assertEquals("success", Pages.timelineStep("2026-11-28 10:05:01.123 +0100 [123] 1rAbcD-00000000AbC-0000 => a@b R=x")
                .get("kind"));
        assertNull(Pages.timelineStep("2026-11-28 10:00:01 1wPg00-000005-05 Sender identification U=u D=d S=s"));
    }

    /** Regression: a context line naming an address or domain with "rejected" in it showed as a rejection. */
    @Test
    void timelineStep_rejectedInsideAnAddress_isContext() {
        assertNull(Pages.timelineStep("2026-11-28 10:00:01 1wPg00-000005-05 Sender identification U=u"
                + " D=unrejected.example S=rejected@unrejected.example"));
        assertNull(Pages.timelineStep("2026-11-28 10:00:02 SMTP connection outbound 1795860002 1wPg00-000005-05"
                + " remote.test rejected-mail@remote.test"));
        assertEquals("rejected", Pages.timelineStep("2026-11-28 10:00:03 1wPg00-000005-05 H=(pc) [192.0.2.9]:4000"
                + " F=<rejected@unrejected.example> rejected after DATA: spam score too high").get("kind"));
    }

    @Test
    void traceDiagram_marksOnlyTheDeepestFailingStep() {
        TraceNode fail = new TraceNode(TraceKind.FAIL, ":fail:", null, null, "gone", TraceStatus.FAILING, List.of());
        TraceNode box = new TraceNode(TraceKind.MAILBOX, "a@d", "virtual_user", null, null, TraceStatus.OK, List.of());
        TraceNode fwd = new TraceNode(TraceKind.FORWARDER, "s@d", null, null, null, TraceStatus.FAILING, List.of(box, fail));
        List<Map<String, Object>> steps = TraceDiagram.steps(fwd, "web1");
        assertEquals(4, steps.size());
        assertEquals(List.of(false, false, false, true), steps.stream().map(s -> s.get("failing")).toList());
        assertEquals("leads", steps.get(1).get("status"));
        assertEquals(List.of(0, 1, 2, 2), steps.stream().map(s -> s.get("depth")).toList());
    }

    @Test
    void chart_everyBucketPresent_niceSteps() {
        assertEquals(1, StatsChart.niceStep(3));
        assertEquals(5, StatsChart.niceStep(17));
        assertEquals(50, StatsChart.niceStep(180));
    }

    @Test
    void safeBase_onlyPlainPaths() {
        assertTrue(Pages.isSafeBase("/cpsess0123456789/frontend/jupiter/waybill/index.live.pl"));
        assertFalse(Pages.isSafeBase("javascript:alert(1)"));
        assertFalse(Pages.isSafeBase("//evil.example/x"));
        assertFalse(Pages.isSafeBase("/a/../b"));
        assertFalse(Pages.isSafeBase("/a\"onmouseover=x"));
    }

    private static void copyPlugin(Path dir) throws IOException {
        Path plugin = Path.of("..", "plugin");
        for (String sub : List.of("templates", "static")) {
            Files.createDirectories(dir.resolve(sub));
            try (Stream<Path> files = Files.list(plugin.resolve(sub))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(sub).resolve(f.getFileName()));
                }
            }
        }
    }
}
