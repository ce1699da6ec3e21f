package dev.waybill.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class OutcomeJsonTest {

    private static Outcome withSubject(String subject, String message) {
        return new Outcome(OutcomeType.FAILURE, "1RwtJa-0009RI-07", "a@example.com", null, "-remote-", "example.com",
                -1, null, "192.0.2.1", "unauthorized", 3.5, 1709287200L, "b@example.net", null, "-remote-",
                "-remote-", "lookuphost", "remote_smtp", "mx.example.net", "192.0.2.7", message, 1709287201L, true,
                subject, 2, null, null, null, null, 1);
    }

    @Test
    void append_hostileTextStaysInsideItsString() {
        String subject = "\"},\"type\":\"success\" <script>\\ \u0001\n\u2028";
        String json = OutcomeJson.toJson(withSubject(subject, "550\r\n5.1.1\tno"));
        assertTrue(json.indexOf('\n') < 0 && json.indexOf('\u2028') < 0, "one line per object");
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals(subject, o.get("subject").getAsString());
        assertEquals("failure", o.get("type").getAsString());
        assertEquals("550\r\n5.1.1\tno", o.get("message").getAsString());
    }

    @Test
    void append_encodesEveryCharacterAsUtf8() {
        String subject = "Café 日本 \uD83D\uDCE7 lone\uD800 end";
        JsonObject o = JsonParser.parseString(OutcomeJson.toJson(withSubject(subject, "x"))).getAsJsonObject();
        assertEquals("Café 日本 \uD83D\uDCE7 lone? end", o.get("subject").getAsString(),
                "a lone surrogate becomes ?; pairs survive");
    }

    @Test
    void buffer_growsPastItsCapacity() {
        JsonBuffer b = new JsonBuffer(16);
        String s = "é".repeat(5000) + "\u0001";
        b.string(s);
        assertEquals('"' + "é".repeat(5000) + "\\u0001\"", b.toString());
    }

    @Test
    void append_writesCpanelFieldNamesAndNulls() {
        JsonObject o = JsonParser.parseString(OutcomeJson.toJson(withSubject(null, "x"))).getAsJsonObject();
        for (String field : new String[] {"type", "msgid", "email", "sender", "user", "domain", "size", "senderhost",
            "senderip", "senderauth", "spamscore", "sendunixtime", "recipient", "deliveredto", "deliveryuser",
            "deliverydomain", "router", "transport", "host", "ip", "message", "actionunixtime",
            "transport_is_remote", "subject", "attempts"}) {
            assertTrue(o.has(field), field);
        }
        assertTrue(o.get("size").isJsonNull(), "unknown size is null, not -1");
        assertTrue(o.get("subject").isJsonNull());
        assertEquals(3.5, o.get("spamscore").getAsDouble());
        assertEquals(1709287200L, o.get("sendunixtime").getAsLong());
        assertTrue(o.get("transport_is_remote").getAsBoolean());
        assertEquals(2, o.get("attempts").getAsInt());
    }
}
