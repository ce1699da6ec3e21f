package dev.waybill.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code java -jar waybill.jar parse LOG --cpanel-root ROOT} and reads its NDJSON. */
final class WaybillParse {

    private WaybillParse() {
    }

    /** The jar under test, from the system property failsafe sets. */
    static Path jar() {
        String property = System.getProperty("waybill.jar");
        if (property == null || property.isBlank()) {
            fail("system property waybill.jar is not set; run this test through 'mvn verify'");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            fail("waybill.jar not found at " + jar + "; run 'mvn package' first");
        }
        return jar;
    }

    /**
     * One JSON object per output line; fails on a non-zero exit or a line that is not an object.
     * The raw output is also written to {@code saveTo}, for whoever reads a failed build.
     */
    static List<JsonObject> run(Path log, Path cpanelRoot, Path saveTo) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        CommandResult result = CommandResult.run(List.of(java, "-jar", jar().toString(), "parse",
                log.toString(), "--cpanel-root", cpanelRoot.toString()), Duration.ofSeconds(60));
        Files.writeString(saveTo, result.stdout());
        if (result.exitCode() != 0) {
            fail("waybill parse failed:\n" + result.describe());
        }
        List<JsonObject> records = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonElement element = JsonParser.parseString(line);
                if (!element.isJsonObject()) {
                    fail("waybill parse printed a line that is not a JSON object: " + line);
                }
                records.add(element.getAsJsonObject());
            } catch (JsonParseException e) {
                fail("waybill parse printed a line that is not JSON: " + line, e);
            }
        }
        return records;
    }
}
