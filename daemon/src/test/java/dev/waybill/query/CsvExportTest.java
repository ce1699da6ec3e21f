package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The export's CSV lines, as spreadsheets read them: no stranger's text runs as a formula. */
class CsvExportTest {

    /** A failure received from outside, with this subject. */
    private static String line(String subject) {
        Outcome o = new Outcome(OutcomeType.FAILURE, "1rAbcD-00000000AbC-0000", "spam@far.test", null, "-remote-",
                "far.test", 900, "mx.far.test", "203.0.113.5", null, null, 1_700_000_000L, "bob@example.com", null,
                "exampleco", "example.com", "virtual_user", "virtual_userdelivery", null, null, "mailbox is full",
                1_700_000_100L, false, subject, 1, null, null, null, null, 1);
        StringBuilder sb = new StringBuilder();
        CsvExport.row(sb, new StoredDelivery("web1", new byte[16], o));
        return sb.toString();
    }

    /** Where the list separator is ';' (Excel in most of Europe) a line is split at every ';', quotes or none. */
    private static List<String> semicolonCells(String line) {
        return List.of(line.strip().split(";", -1));
    }

    private static boolean runsAsFormula(String cell) {
        String text = cell.replaceFirst("^\"+", "");
        return !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0;
    }

    @Test
    void row_subjectStartingAFormula_isText() {
        String line = line("=HYPERLINK(\"http://evil.test\",\"Click\")");
        assertTrue(line.contains(",\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"Click\"\")\","), line);
    }

    /** Regression: a subject "Hi;=cmd|..." gave a cell that began with '=' to a spreadsheet splitting at ';'. */
    @Test
    void row_formulaAfterASemicolon_isTextWhereTheSeparatorIsASemicolon() {
        for (String subject : List.of("Invoice;=cmd|' /C calc'!A0", "Invoice;\"=1+2", "a;+1;-1;@SUM(A1)",
                "x;;=1")) {
            String line = line(subject);
            for (String cell : semicolonCells(line)) {
                assertFalse(runsAsFormula(cell), "cell <" + cell + "> of " + line);
            }
        }
    }

    @Test
    void row_semicolonsBeforeOtherText_areKeptAsWritten() {
        String line = line("Minutes; agenda;2 items;\"quoted\"");
        assertTrue(line.contains(",\"Minutes; agenda;2 items;\"\"quoted\"\"\","), line);
    }
}
