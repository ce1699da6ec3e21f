package dev.waybill.trace;

/**
 * A trace as an indented tree for a terminal, one step a line:
 *
 * <pre>
 * sales@example.com  forwarder via virtual_aliases_nostar: forwarder in etc/valiases/example.com
 * ├── bob@example.com  mailbox via virtual_user → dovecot_virtual_delivery: mailbox /home/…/bob
 * └── :fail:  fail via virtual_aliases_nostar: No such person  [FAILING]
 * </pre>
 *
 * The status is written only when it is not OK. Text from files and DNS is attacker-controlled,
 * so control characters are shown escaped ({@code \x1b}) and never reach the terminal.
 */
public final class TraceText {

    private TraceText() {
    }

    /** The tree, each line ending in a newline. */
    public static String render(TraceNode root) {
        StringBuilder out = new StringBuilder();
        line(out, root);
        children(out, root, "");
        return out.toString();
    }

    private static void children(StringBuilder out, TraceNode node, String indent) {
        int n = node.children().size();
        for (int i = 0; i < n; i++) {
            TraceNode child = node.children().get(i);
            boolean last = i == n - 1;
            out.append(indent).append(last ? "└── " : "├── ");
            line(out, child);
            children(out, child, indent + (last ? "    " : "│   "));
        }
    }

    private static void line(StringBuilder out, TraceNode node) {
        out.append(safe(node.label())).append("  ").append(node.kind().jsonName());
        if (node.router() != null || node.transport() != null) {
            out.append(" via ");
            if (node.router() != null) {
                out.append(safe(node.router()));
            }
            if (node.transport() != null) {
                out.append(node.router() != null ? " → " : "").append(safe(node.transport()));
            }
        }
        if (node.detail() != null) {
            out.append(": ").append(safe(node.detail()));
        }
        if (node.status() != TraceStatus.OK) {
            out.append("  [").append(node.status().name()).append(']');
        }
        out.append('\n');
    }

    /** Control characters (C0, DEL, C1, line and paragraph separators) as {@code \xNN} / {@code \\uNNNN}. */
    static String safe(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (control) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                sb.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
