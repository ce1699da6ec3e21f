package dev.waybill.render;

import dev.waybill.outcome.OutcomeType;
import dev.waybill.query.Stats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The geometry of the stats chart: one stacked bar per hour (or day) by outcome, every bucket of
 * the range present even when empty, a y axis with round steps. The template only writes the
 * numbers into SVG elements.
 */
final class StatsChart {

    static final int WIDTH = 880;
    static final int HEIGHT = 260;
    static final int LEFT = 48;
    static final int RIGHT = 8;
    static final int TOP = 10;
    static final int BOTTOM = 28;
    /** Bottom to top in the stack: the good news low, the trouble on top where the eye goes. */
    static final List<OutcomeType> STACK = List.of(OutcomeType.SUCCESS, OutcomeType.FILTERED, OutcomeType.INPROGRESS,
            OutcomeType.DEFER, OutcomeType.FAILURE, OutcomeType.REJECTED);

    private StatsChart() {
    }

    static Map<String, Object> model(Stats stats) {
        long bucket = stats.bucket();
        long first = Math.floorDiv(stats.since(), bucket) * bucket;
        int n = (int) Math.max(1, Math.min(2000, (stats.until() - first + bucket - 1) / bucket));
        Map<Long, Stats.Bucket> byStart = new HashMap<>();
        stats.series().forEach(b -> byStart.put(b.start(), b));
        long max = 1;
        for (Stats.Bucket b : stats.series()) {
            max = Math.max(max, b.counts().values().stream().mapToLong(Long::longValue).sum());
        }
        long step = niceStep(max);
        long top = ((max + step - 1) / step) * step;
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        double bw = plotW / n;
        List<Map<String, Object>> bars = new ArrayList<>();
        int labelEvery = Math.max(1, (int) Math.ceil(n / 12.0));
        List<Map<String, Object>> xLabels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = first + i * bucket;
            Stats.Bucket b = byStart.get(start);
            double x = LEFT + i * bw;
            double y = TOP + plotH;
            List<Map<String, Object>> segments = new ArrayList<>();
            long total = 0;
            for (OutcomeType t : STACK) {
                long c = b == null ? 0 : b.counts().getOrDefault(t, 0L);
                if (c == 0) {
                    continue;
                }
                total += c;
                double h = c * plotH / top;
                y -= h;
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("type", t.label());
                s.put("y", fmt(y));
                s.put("h", fmt(Math.max(h, 0.5)));
                s.put("count", c);
                s.put("label", Labels.event(t));
                segments.add(s);
            }
            Map<String, Object> bar = new LinkedHashMap<>();
            bar.put("x", fmt(x + bw * 0.1));
            bar.put("w", fmt(Math.max(bw * 0.8, 0.5)));
            bar.put("start", start);
            bar.put("iso", Labels.iso(start));
            bar.put("total", total);
            bar.put("segments", segments);
            bars.add(bar);
            if (i % labelEvery == 0) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("x", fmt(x + bw / 2));
                l.put("y", HEIGHT - 8);
                l.put("t", start);
                l.put("fmt", bucket == 3600 ? "hour" : "day");
                l.put("text", bucket == 3600 ? Labels.utcText(start).substring(11, 16) : Labels.utcText(start).substring(5, 10));
                xLabels.add(l);
            }
        }
        List<Map<String, Object>> yLines = new ArrayList<>();
        for (long v = 0; v <= top; v += step) {
            Map<String, Object> g = new LinkedHashMap<>();
            double y = TOP + plotH - v * plotH / top;
            g.put("y", fmt(y));
            g.put("ty", fmt(y + 4));
            g.put("value", Labels.number(v));
            yLines.add(g);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("width", WIDTH);
        m.put("height", HEIGHT);
        m.put("left", LEFT);
        m.put("right", WIDTH - RIGHT);
        m.put("bars", bars);
        m.put("xLabels", xLabels);
        m.put("yLines", yLines);
        List<Map<String, Object>> legend = new ArrayList<>();
        for (OutcomeType t : STACK) {
            legend.add(Map.of("type", t.label(), "label", Labels.event(t)));
        }
        m.put("legend", legend);
        return m;
    }

    /** A step of 1, 2 or 5 times a power of ten that gives four or five grid lines. */
    static long niceStep(long max) {
        double raw = max / 4.0;
        double pow = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
        for (int f : new int[] {1, 2, 5, 10}) {
            if (f * pow >= raw) {
                return Math.max(1, (long) (f * pow));
            }
        }
        return Math.max(1, (long) (10 * pow));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
