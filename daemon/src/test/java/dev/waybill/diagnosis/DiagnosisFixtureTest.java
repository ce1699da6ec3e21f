package dev.waybill.diagnosis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.outcome.OutcomeType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every line of {@code diagnosis/replies.tsv} (real reason texts from Exim logs, and the public
 * replies of the big providers as Exim logs them) gets its expected code and a well-formed cause
 * and fix.
 */
class DiagnosisFixtureTest {

    /** One line of the fixture. */
    record Case(int line, String code, OutcomeType type, Diagnoser.Route route, String text, String source) {
    }

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = DiagnosisFixtureTest.class.getResourceAsStream("/diagnosis/replies.tsv")) {
            assertNotNull(in, "fixture on the test classpath");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                assertEquals(5, f.length, "line " + n + " has five columns");
                Diagnoser.Route route = switch (f[2]) {
                    case "remote" -> Diagnoser.Route.REMOTE;
                    case "local" -> Diagnoser.Route.LOCAL;
                    case "-" -> Diagnoser.Route.UNKNOWN;
                    default -> throw new IllegalArgumentException("line " + n + ": route " + f[2]);
                };
                cases.add(new Case(n, f[0], OutcomeType.valueOf(f[1].toUpperCase(Locale.ROOT)), route,
                        unescape(f[3]), f[4]));
            }
        }
        return cases;
    }

    /** {@code \n}, {@code \t}, {@code \r} and {@code \\} as written in the fixture. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                b.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> e;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Test
    void diagnose_everyFixtureLine_getsItsExpectedCode() throws IOException {
        List<String> wrong = new ArrayList<>();
        List<Case> cases = cases();
        for (Case c : cases) {
            Optional<Diagnosis> d = Diagnoser.diagnose(c.type(), c.text(), null, c.route());
            String got = d.map(Diagnosis::code).orElse("(none)");
            if (!got.equals(c.code())) {
                wrong.add("line " + c.line() + ": expected " + c.code() + ", got " + got + " for "
                        + c.type().label() + " " + abbreviate(c.text()));
            }
        }
        assertTrue(cases.size() >= 150, "the fixture has its lines: " + cases.size());
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + cases.size() + " wrong:\n" + String.join("\n", wrong));
    }

    @Test
    void diagnose_everyFixtureLine_causeAndFixAreFixedSentences() throws IOException {
        for (Case c : cases()) {
            Diagnosis d = Diagnoser.diagnose(c.type(), c.text(), null, c.route()).orElseThrow();
            String where = "line " + c.line();
            DiagnoserTest.assertSentences(d, where);
            DiagnosisCode code = DiagnosisCode.valueOf(d.code().toUpperCase(Locale.ROOT));
            assertTrue(d.cause().equals(code.cause(false)) || d.cause().equals(code.cause(true))
                    || d.cause().equals(DiagnosisCode.UNKNOWN_TEMPORARY_CAUSE), where + ": cause is the code's own text");
            assertTrue(d.fix().equals(code.fix(false)) || d.fix().equals(code.fix(true))
                    || d.fix().equals(DiagnosisCode.UNKNOWN_TEMPORARY_FIX), where + ": fix is the code's own text");
        }
    }

    @Test
    void fixture_coversEveryCode_noneLeftUntested() throws IOException {
        Set<DiagnosisCode> seen = EnumSet.noneOf(DiagnosisCode.class);
        for (Case c : cases()) {
            seen.add(DiagnosisCode.valueOf(c.code().toUpperCase(Locale.ROOT)));
        }
        Set<DiagnosisCode> missing = EnumSet.complementOf(EnumSet.copyOf(seen));
        assertTrue(missing.isEmpty(), "codes without a fixture line: " + missing);
    }

    @Test
    void fixture_everyLine_namesItsSource() throws IOException {
        for (Case c : cases()) {
            assertTrue(c.source().startsWith("real-world/") || c.source().startsWith("exim-testsuite-log")
                            || c.source().startsWith("fixtures/") || c.source().startsWith("provider:")
                            || c.source().startsWith("cpanel") || c.source().startsWith("exim"),
                    "line " + c.line() + " source " + c.source());
        }
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 120) + "..." : one;
    }
}
