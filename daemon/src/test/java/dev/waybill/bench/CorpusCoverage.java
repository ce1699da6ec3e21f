package dev.waybill.bench;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.LogEvent;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.LogFiles;
import dev.waybill.ingest.LogLineReader;
import dev.waybill.outcome.MessageAssembler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Measures what the parser understands of a corpus of real main logs: lines by class, and every
 * line of the shapes that carry a fate ({@code <= => -> ** == Completed rejected}) that was not
 * parsed into a complete event. Each file is its own log (Exim's test suite restarts ids per file).
 *
 * <p>Run (after {@code mvn -B package -DskipTests}):
 * <pre>
 * java -cp daemon/target/classes:daemon/target/test-classes dev.waybill.bench.CorpusCoverage \
 *     ../shared/corpora/exim-testsuite-log ../shared/corpora/real-world
 * </pre>
 */
public final class CorpusCoverage {

    private CorpusCoverage() {
    }

    public static void main(String[] args) throws IOException {
        long[] classes = new long[LineClass.values().length];
        long lines = 0;
        long crashes = 0;
        List<String> misunderstood = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".md"))
                            .sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        for (Path file : files) {
            LineParser parser = new LineParser(ZoneOffset.UTC);
            MessageAssembler assembler = new MessageAssembler(CpanelAccounts.none(),
                    MessageAssembler.DEFAULT_HORIZON_SECONDS, MessageAssembler.DEFAULT_MAX_OPEN, o -> { });
            try (LogLineReader r = new LogLineReader(LogFiles.open(file))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines++;
                    ParsedLine p;
                    try {
                        p = parser.parse(line);
                        assembler.accept(p);
                    } catch (RuntimeException e) {
                        crashes++;
                        continue;
                    }
                    classes[p.lineClass().ordinal()]++;
                    String why = notUnderstood(p);
                    if (why != null) {
                        misunderstood.add(file.getFileName() + ": " + why + ": " + line);
                    }
                }
            }
            assembler.finish();
        }
        System.out.printf("files %d, lines %d, crashes %d%n%n", files.size(), lines, crashes);
        System.out.println("| class | lines | share |");
        System.out.println("|---|---:|---:|");
        for (LineClass c : LineClass.values()) {
            long k = classes[c.ordinal()];
            if (k > 0) {
                System.out.printf("| %s | %d | %.2f%% |%n", c.label(), k, 100.0 * k / lines);
            }
        }
        System.out.printf("%nunknown: %d of %d lines = %.3f%%%n", classes[LineClass.UNKNOWN.ordinal()], lines,
                100.0 * classes[LineClass.UNKNOWN.ordinal()] / lines);
        System.out.printf("fate-bearing lines not fully understood: %d%n", misunderstood.size());
        misunderstood.stream().limit(50).forEach(System.out::println);
    }

    /** Why a line of a fate-bearing shape was not understood, or null if it was (or is not one). */
    static String notUnderstood(ParsedLine p) {
        String t = p.text();
        String marker = p.messageId() == null ? null : markerAfterId(t, p.messageId());
        if (marker != null && p.event() == null) {
            return "marker " + marker + " without event";
        }
        LogEvent e = p.event();
        if (e instanceof LogEvent.Arrival a) {
            if (a.sender() == null || a.sender().isEmpty()) {
                return "arrival without sender";
            }
        } else if (e instanceof LogEvent.Attempt at) {
            if (at.address().isEmpty()) {
                return "attempt without address";
            }
            boolean failing = p.lineClass() == LineClass.FAILURE || p.lineClass() == LineClass.DEFERRAL;
            if (failing && (at.message() == null || at.message().isEmpty()) && at.errno() == null) {
                return "failure without reason";
            }
        } else if (e instanceof LogEvent.Rejection r) {
            // An ACL "deny" without a message logs no reason: that is understood, not missing.
            if (r.stage() == null || r.stage().isEmpty()) {
                return "rejection without stage";
            }
        }
        if (p.lineClass() != LineClass.REJECTION && t.contains(" rejected ") && !t.contains("Warning:")
                && p.messageId() == null && (t.contains(" F=<") || t.contains("H="))
                && !t.contains("synchronization error")) {
            return "looks like a rejection, classified " + p.lineClass().label();
        }
        return null;
    }

    private static String markerAfterId(String t, String id) {
        int i = t.indexOf(id);
        int m = i + id.length() + 1;
        if (i < 0 || m + 2 >= t.length() || t.charAt(m + 2) != ' ') {
            return null;
        }
        String mk = t.substring(m, m + 2);
        return switch (mk) {
            case "<=", "=>", "->", "**", "==", ">>", "*>" -> mk;
            default -> null;
        };
    }
}
