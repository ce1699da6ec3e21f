package dev.waybill.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's {@code params}, read with their types checked: every getter either returns a value
 * of the right type and range or throws a {@code bad_request} naming the parameter, what was
 * expected and what came. An absent parameter and a JSON {@code null} are the same: the default.
 *
 * <p>Enumerations travel as the lower-case names of their constants ({@code "newest"}).
 * Immutable.
 */
public final class Params {

    private static final int MAX_SHOWN = 40;

    private final JsonObject json;

    Params(JsonObject json) {
        this.json = json;
    }

    /** Parameters from a JSON object (tests and callers building requests in-process). */
    public static Params of(JsonObject json) {
        return new Params(json.deepCopy());
    }

    /** A copy of the parameters as JSON. */
    public JsonObject json() {
        return json.deepCopy();
    }

    /** True if {@code name} is present and not null. */
    public boolean has(String name) {
        JsonElement e = json.get(name);
        return e != null && !e.isJsonNull();
    }

    /**
     * Refuses parameters other than {@code known}, so that a typo is an error and not a silently
     * ignored filter.
     */
    public void allowOnly(String... known) throws RequestException {
        Set<String> allowed = Set.of(known);
        for (String name : json.keySet()) {
            if (!allowed.contains(name)) {
                throw RequestException.badRequest("unknown parameter '" + shown(name) + "' (known: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    /** A string, or empty when absent. */
    public Optional<String> string(String name) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return Optional.of(e.getAsString());
        }
        throw wrong(name, "a string", e);
    }

    /** A string, or {@code fallback} when absent. */
    public String string(String name, String fallback) throws RequestException {
        return string(name).orElse(fallback);
    }

    /** A string that must be present and not empty. */
    public String requireString(String name) throws RequestException {
        String s = string(name).orElseThrow(() -> RequestException.badRequest("parameter '" + name + "' is required"));
        if (s.isEmpty()) {
            throw RequestException.badRequest("parameter '" + name + "' must not be empty");
        }
        return s;
    }

    /** A whole number from {@code min} to {@code max}, or {@code fallback} when absent. */
    public int integer(String name, int fallback, int min, int max) throws RequestException {
        return (int) longInteger(name, fallback, min, max);
    }

    /** A whole number from {@code min} to {@code max}, or {@code fallback} when absent. */
    public long longInteger(String name, long fallback, long min, long max) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        String expected = "a whole number from " + min + " to " + max;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrong(name, expected, e);
        }
        BigDecimal value;
        try {
            value = e.getAsBigDecimal();
        } catch (NumberFormatException ex) {
            throw wrong(name, expected, e);
        }
        if (value.stripTrailingZeros().scale() > 0 || value.compareTo(BigDecimal.valueOf(min)) < 0
                || value.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw wrong(name, expected, e);
        }
        return value.longValueExact();
    }

    /** {@code true} or {@code false}, or {@code fallback} when absent. */
    public boolean bool(String name, boolean fallback) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw wrong(name, "true or false", e);
    }

    /** One of {@code allowed} (exact), or {@code fallback} when absent. */
    public String oneOf(String name, String fallback, String... allowed) throws RequestException {
        Optional<String> s = string(name);
        if (s.isEmpty()) {
            return fallback;
        }
        if (!Arrays.asList(allowed).contains(s.get())) {
            throw wrong(name, "one of " + String.join(", ", allowed), json.get(name));
        }
        return s.get();
    }

    /** A constant of {@code type} by its lower-case name, or {@code fallback} when absent. */
    public <E extends Enum<E>> E enumValue(String name, Class<E> type, E fallback) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        return constant(name, type, e);
    }

    /**
     * A list of constants of {@code type} by their lower-case names (duplicates collapse), or
     * {@code fallback} when absent. An empty list is refused: it would match nothing.
     */
    public <E extends Enum<E>> Set<E> enumSet(String name, Class<E> type, Set<E> fallback) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonArray()) {
            throw wrong(name, "a list of " + choices(type), e);
        }
        JsonArray a = e.getAsJsonArray();
        if (a.isEmpty()) {
            throw RequestException.badRequest("parameter '" + name + "' must not be an empty list");
        }
        EnumSet<E> set = EnumSet.noneOf(type);
        for (JsonElement item : a) {
            set.add(constant(name, type, item));
        }
        return set;
    }

    /** A list of strings of at most {@code maxItems}, or {@code fallback} when absent. */
    public List<String> stringList(String name, int maxItems, List<String> fallback) throws RequestException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonArray()) {
            throw wrong(name, "a list of strings", e);
        }
        JsonArray a = e.getAsJsonArray();
        if (a.size() > maxItems) {
            throw RequestException.badRequest("parameter '" + name + "' may hold at most " + maxItems
                    + " items, got " + a.size());
        }
        List<String> out = new ArrayList<>(a.size());
        for (JsonElement item : a) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw wrong(name, "a list of strings", e);
            }
            out.add(item.getAsString());
        }
        return List.copyOf(out);
    }

    private static <E extends Enum<E>> E constant(String name, Class<E> type, JsonElement e) throws RequestException {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            String wire = e.getAsString();
            for (E c : type.getEnumConstants()) {
                if (c.name().toLowerCase(Locale.ROOT).equals(wire)) {
                    return c;
                }
            }
        }
        throw wrong(name, "one of " + choices(type), e);
    }

    private static <E extends Enum<E>> String choices(Class<E> type) {
        Set<String> names = new LinkedHashSet<>();
        for (E c : type.getEnumConstants()) {
            names.add(c.name().toLowerCase(Locale.ROOT));
        }
        return String.join(", ", names);
    }

    private static RequestException wrong(String name, String expected, JsonElement got) {
        return RequestException.badRequest("parameter '" + name + "' must be " + expected + ", got " + describe(got));
    }

    /** What came, briefly: its type and a short rendering (a client may send megabytes). */
    private static String describe(JsonElement e) {
        String kind;
        if (e.isJsonObject()) {
            kind = "an object";
        } else if (e.isJsonArray()) {
            kind = "a list";
        } else if (e.isJsonNull()) {
            kind = "null";
        } else {
            JsonPrimitive p = e.getAsJsonPrimitive();
            kind = p.isString() ? "the string" : p.isNumber() ? "the number" : "";
        }
        String text = shown(e.toString());
        return kind.isEmpty() ? text : kind + " " + text;
    }

    private static String shown(String s) {
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
