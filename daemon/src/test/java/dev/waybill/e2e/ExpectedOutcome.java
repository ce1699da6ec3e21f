package dev.waybill.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code waybill parse} must print for one (message, recipient): the values are those of
 * the scenario the test sent, never taken from the parser's output. Fields not set are not
 * checked. An expected {@code null} accepts JSON {@code null} or a missing field.
 */
final class ExpectedOutcome {

    private final String scenario;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, String> contains = new LinkedHashMap<>();
    private long actionNotBefore = Long.MIN_VALUE;

    private ExpectedOutcome(String scenario, String type) {
        this.scenario = scenario;
        fields.put("type", type);
    }

    static ExpectedOutcome of(String scenario, String type) {
        return new ExpectedOutcome(scenario, type);
    }

    /** Expects {@code value} (a String, BigDecimal, Integer, Boolean or null) in {@code name}. */
    ExpectedOutcome field(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    /** Expects the string field {@code name} to contain {@code text}. */
    ExpectedOutcome fieldContains(String name, String text) {
        contains.put(name, text);
        return this;
    }

    /** Sets recipient (the address written to) and deliveredto (where the mail ended). */
    ExpectedOutcome to(String recipient, String deliveredTo) {
        return field("recipient", recipient).field("deliveredto", deliveredTo);
    }

    ExpectedOutcome route(String router, String transport) {
        return field("router", router).field("transport", transport);
    }

    /** A remote SMTP delivery (attempt) to the host at {@code ip}. */
    ExpectedOutcome remote(String router, String transport, String ip) {
        return route(router, transport).field("host", ip).field("ip", ip).field("transport_is_remote", true)
                .field("deliverydomain", "-remote-");
    }

    /** A delivery into a mailbox of the cPanel account {@code owner}, in {@code domain}. */
    ExpectedOutcome localMailbox(String owner, String domain) {
        return route("virtual_user", "dovecot_virtual_delivery").field("transport_is_remote", false)
                .field("deliveryuser", owner).field("deliverydomain", domain);
    }

    /** The spam score logged for the message ({@code null}: no score was logged). */
    ExpectedOutcome spam(String score) {
        return field("spamscore", score == null ? null : new BigDecimal(score));
    }

    ExpectedOutcome attempts(int attempts) {
        return field("attempts", attempts);
    }

    /** The outcome must have happened at or after {@code unixTime} (seconds). */
    ExpectedOutcome actionNotBefore(long unixTime) {
        actionNotBefore = unixTime;
        return this;
    }

    String scenario() {
        return scenario;
    }

    Object expected(String name) {
        return fields.get(name);
    }

    @Override
    public String toString() {
        return scenario + ": " + fields.get("type") + " " + fields.get("recipient")
                + (fields.get("deliveredto") != null && !fields.get("deliveredto").equals(fields.get("recipient"))
                        ? " -> " + fields.get("deliveredto") : "");
    }

    /** Every field of {@code actual} that differs from what is expected, one line each. */
    List<String> mismatches(JsonObject actual) {
        List<String> out = new ArrayList<>();
        fields.forEach((name, value) -> {
            if (!matches(value, actual.get(name))) {
                out.add(name + ": expected " + render(value) + " but was " + actual.get(name));
            }
        });
        contains.forEach((name, text) -> {
            JsonElement value = actual.get(name);
            if (value == null || !value.isJsonPrimitive() || !value.getAsString().contains(text)) {
                out.add(name + ": expected to contain \"" + text + "\" but was " + value);
            }
        });
        if (actionNotBefore != Long.MIN_VALUE) {
            JsonElement time = actual.get("actionunixtime");
            if (time == null || !time.isJsonPrimitive() || !time.getAsJsonPrimitive().isNumber()
                    || time.getAsLong() < actionNotBefore) {
                out.add("actionunixtime: expected at or after " + actionNotBefore
                        + " (the forced queue run) but was " + time);
            }
        }
        return out;
    }

    /** How many expected fields {@code actual} agrees with; pairs records with expectations. */
    int agreement(JsonObject actual) {
        int n = 0;
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            if (matches(field.getValue(), actual.get(field.getKey()))) {
                n++;
            }
        }
        return n;
    }

    static boolean matches(Object expected, JsonElement actual) {
        boolean actualNull = actual == null || actual.isJsonNull();
        if (expected == null) {
            return actualNull;
        }
        if (actualNull || !actual.isJsonPrimitive()) {
            return false;
        }
        JsonPrimitive value = actual.getAsJsonPrimitive();
        if (expected instanceof BigDecimal number) {
            return value.isNumber() && value.getAsBigDecimal().compareTo(number) == 0;
        }
        if (expected instanceof Integer number) {
            return value.isNumber() && value.getAsBigDecimal().compareTo(BigDecimal.valueOf(number)) == 0;
        }
        if (expected instanceof Boolean flag) {
            return value.isBoolean() && value.getAsBoolean() == flag;
        }
        return value.isString() && value.getAsString().equals(expected);
    }

    private static String render(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
