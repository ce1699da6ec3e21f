package dev.waybill.query;

import dev.waybill.diagnosis.Diagnosis;
import dev.waybill.outcome.Outcome;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;

/**
 * A search as CSV (RFC 4180), page by page, so that a million rows never sit in memory at once.
 * Cells a spreadsheet would run as a formula (starting with {@code = + - @}, a tab or a carriage
 * return) get a leading apostrophe, and so does such a formula after a {@code ;} inside a cell:
 * subjects and addresses are written by strangers.
 */
public final class CsvExport {

    static final String HEADER = "sent_utc,type,from,sender,user,domain,size,recipient,delivered_to,"
            + "delivery_user,result,host,ip,router,transport,spam_score,subject,attempts,msgid,server,"
            + "action_utc,diagnosis,fix\r\n";

    /** Where the CSV text goes, a piece at a time. */
    @FunctionalInterface
    public interface Sink {
        void write(String text) throws IOException;
    }

    private final DeliveryQueries queries;

    public CsvExport(DeliveryQueries queries) {
        this.queries = queries;
    }

    /**
     * Writes every row of the search, from {@code p.cursor()} on, to {@code sink}. Nothing is
     * written before the first page has been read, so that a search the store refuses or a
     * database that does not answer fails before any of the file has gone out.
     *
     * @return rows written
     */
    public long export(Viewer viewer, SearchParams p, Sink sink) throws SQLException, IOException {
        SearchParams page = p.withLimit(SearchParams.MAX_LIMIT);
        SearchPage result = queries.search(viewer, page, false);
        sink.write(HEADER);
        long rows = 0;
        StringBuilder sb = new StringBuilder(256 * SearchParams.MAX_LIMIT);
        while (true) {
            sb.setLength(0);
            for (StoredDelivery r : result.rows()) {
                row(sb, r);
            }
            sink.write(sb.toString());
            rows += result.rows().size();
            if (result.next() == null) {
                return rows;
            }
            page = page.withCursor(result.next());
            result = queries.search(viewer, page, false);
        }
    }

    static void row(StringBuilder sb, StoredDelivery r) {
        Outcome o = r.outcome();
        Diagnosis d = r.diagnosis().orElse(null);
        cell(sb, Instant.ofEpochSecond(o.sendunixtime()).toString(), false);
        cell(sb, o.type().label(), true);
        cell(sb, o.email(), true);
        cell(sb, o.sender(), true);
        cell(sb, o.user(), true);
        cell(sb, o.domain(), true);
        cell(sb, o.size() < 0 ? "" : Long.toString(o.size()), true);
        cell(sb, o.recipient(), true);
        cell(sb, o.deliveredto(), true);
        cell(sb, o.deliveryuser(), true);
        cell(sb, o.message(), true);
        cell(sb, o.host(), true);
        cell(sb, o.ip(), true);
        cell(sb, o.router(), true);
        cell(sb, o.transport(), true);
        cell(sb, o.spamscore() == null ? "" : o.spamscore().toString(), true);
        cell(sb, o.subject(), true);
        cell(sb, Integer.toString(o.attempts()), true);
        cell(sb, o.msgid(), true);
        cell(sb, r.server(), true);
        cell(sb, Instant.ofEpochSecond(o.actionunixtime()).toString(), true);
        cell(sb, d == null ? null : d.cause(), true);
        cell(sb, d == null ? null : d.fix(), true);
        sb.append("\r\n");
    }

    private static void cell(StringBuilder sb, String value, boolean comma) {
        if (comma) {
            sb.append(',');
        }
        if (value == null || value.isEmpty()) {
            return;
        }
        // "-remote-" is cPanel's own word for mail from or to elsewhere, not a formula.
        boolean formula = startsFormula(value.charAt(0)) && !value.equals("-remote-");
        value = breakSemicolonFormulas(value);
        boolean quote = formula || value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        if (!quote) {
            sb.append(value);
            return;
        }
        sb.append('"');
        if (formula) {
            sb.append('\'');
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                sb.append('"');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    /** Whether a spreadsheet would run a cell that starts with {@code c} as a formula. */
    private static boolean startsFormula(char c) {
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    }

    /**
     * {@code value} with an apostrophe after each {@code ;} that a formula (quotes before it or
     * not) follows. Where the list separator is {@code ;} (Excel in most of Europe), a spreadsheet
     * splits a line at every {@code ;}, inside quotes too, and the text after one starts a cell.
     */
    private static String breakSemicolonFormulas(String value) {
        if (value.indexOf(';') < 0) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 4);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append(c);
            if (c == ';') {
                int next = i + 1;
                while (next < value.length() && value.charAt(next) == '"') {
                    next++;
                }
                if (next < value.length() && startsFormula(value.charAt(next))) {
                    sb.append('\'');
                }
            }
        }
        return sb.toString();
    }
}
