package dev.waybill.render;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A page's query string ({@code a=1&b=x+y&type=defer&type=failure}), decoded leniently: a pair
 * that does not decode is dropped, not an error, since it is whatever the browser sent. Also
 * builds the links back to the page. Immutable.
 */
public final class PageQuery {

    /** The longest query string read; the rest is ignored. */
    static final int MAX_LENGTH = 8192;

    private final Map<String, List<String>> values;

    private PageQuery(Map<String, List<String>> values) {
        this.values = values;
    }

    public static PageQuery parse(String query) {
        Map<String, List<String>> v = new LinkedHashMap<>();
        if (query != null) {
            String q = query.length() > MAX_LENGTH ? query.substring(0, MAX_LENGTH) : query;
            for (String pair : q.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    v.computeIfAbsent(name, k -> new ArrayList<>()).add(value.strip());
                } catch (IllegalArgumentException e) {
                    // a malformed %-escape: drop the pair
                }
            }
        }
        return new PageQuery(v);
    }

    /** The first value of {@code name}, or null when absent or blank. */
    public String get(String name) {
        List<String> l = values.get(name);
        if (l == null) {
            return null;
        }
        for (String s : l) {
            if (!s.isEmpty()) {
                return s;
            }
        }
        return null;
    }

    /** Every non-blank value of {@code name}. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of()).stream().filter(s -> !s.isEmpty()).toList();
    }

    /** {@code base?k=v&...} with the pairs URL-encoded; null values are left out. */
    static String link(String base, Object... pairs) {
        StringBuilder sb = new StringBuilder(base);
        char sep = '?';
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            Object value = pairs[i + 1];
            if (value instanceof List<?> list) {
                for (Object item : list) {
                    sb.append(sep).append(encode(pairs[i].toString())).append('=').append(encode(item.toString()));
                    sep = '&';
                }
            } else if (value != null) {
                sb.append(sep).append(encode(pairs[i].toString())).append('=').append(encode(value.toString()));
                sep = '&';
            }
        }
        return sb.toString();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
