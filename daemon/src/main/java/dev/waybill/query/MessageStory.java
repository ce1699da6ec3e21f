package dev.waybill.query;

import java.util.List;

/**
 * One message's whole story as a viewer may see it.
 *
 * @param msgid       the message
 * @param rows        its delivery rows (one per recipient), in the order they happened
 * @param lines       its raw log lines, in log order
 * @param hiddenLines lines left out because they concern recipients in accounts the viewer may
 *                    not see
 */
public record MessageStory(String msgid, List<StoredDelivery> rows, List<String> lines, int hiddenLines) {

    public MessageStory {
        rows = List.copyOf(rows);
        lines = List.copyOf(lines);
    }
}
