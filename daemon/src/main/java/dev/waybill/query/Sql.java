package dev.waybill.query;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** SQL text and its parameters, built together so that no value is ever spliced into the text. */
final class Sql {

    private final StringBuilder text = new StringBuilder(512);
    private final List<Object> params = new ArrayList<>();

    Sql add(String sql, Object... values) {
        text.append(sql);
        params.addAll(List.of(values));
        return this;
    }

    Sql add(Sql other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    boolean isEmpty() {
        return text.length() == 0;
    }

    String text() {
        return text.toString();
    }

    void bind(PreparedStatement ps) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            Object v = params.get(i);
            if (v instanceof byte[] b) {
                ps.setBytes(i + 1, b);
            } else if (v instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (v instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) v);
            }
        }
    }

    /** {@code s} as a LIKE pattern matching itself literally. */
    static String likeLiteral(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '_' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Whether {@code s} may equal a value of an ASCII column (server names, account names,
     * message ids). MariaDB refuses to compare such a column with text outside ASCII, as an
     * illegal mix of collations, rather than find nothing: ask only with text that can match.
     */
    static boolean ascii(String s) {
        return s.chars().allMatch(ch -> ch < 128);
    }
}
