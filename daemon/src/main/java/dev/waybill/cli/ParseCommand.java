package dev.waybill.cli;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.LogFiles;
import dev.waybill.ingest.LogLineReader;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeJson;
import dev.waybill.outcome.OutcomeType;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code waybill parse}: Exim main logs in, one JSON object per outcome out, no database.
 */
final class ParseCommand {

    static final String USAGE = """
            Usage: waybill parse [options] FILE...

            Reads Exim main logs (plain or gzip, told apart by content; - for standard input), in
            the order given, and prints one JSON object per line for every (message, recipient)
            outcome and every SMTP-time rejection.

            Options:
              --stats              print one JSON object of counts instead: lines by class,
                                   messages, outcomes by type, and the first unknown lines
              --cpanel-root DIR    where etc/userdomains and friends live (default /), for the
                                   user and deliveryuser fields
              --timezone ZONE      zone of timestamps that carry none (default: this system's)
              --horizon DURATION   let go of a message silent this long, as it stands
                                   (default 7d; e.g. 36h, 90m)
              -h, --help           show this text
            """;

    private ParseCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("waybill parse: " + e.getMessage());
            err.println("Run 'waybill parse --help' for usage.");
            return 2;
        }
        if (o.help) {
            out.print(USAGE);
            return 0;
        }
        CpanelAccounts accounts;
        try {
            accounts = CpanelAccounts.read(o.cpanelRoot);
        } catch (IOException e) {
            err.println("waybill parse: cannot read cPanel account files under " + o.cpanelRoot + ": " + e);
            return 1;
        }
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        Counts counts = new Counts();
        StringBuilder sb = new StringBuilder(1024);
        MessageAssembler assembler = new MessageAssembler(accounts, o.horizonSeconds,
                MessageAssembler.DEFAULT_MAX_OPEN, outcome -> {
                    counts.outcomes[outcome.type().ordinal()]++;
                    if (!o.stats) {
                        write(w, sb, outcome);
                    }
                });
        LineParser parser = new LineParser(o.zone);
        int status = 0;
        long started = System.nanoTime();
        try {
            for (String file : o.files) {
                if (!parseOne(file, parser, assembler, counts, err)) {
                    status = 1;
                }
                if (out.checkError()) {
                    return status; // the reader went away (e.g. piped into head)
                }
            }
            assembler.finish();
            if (o.stats) {
                counts.messages = assembler.messages();
                counts.evicted = assembler.evicted();
                counts.nanos = System.nanoTime() - started;
                w.write(counts.toJson());
                w.write('\n');
            }
            w.flush();
        } catch (IOException | UncheckedIOException e) {
            err.println("waybill parse: cannot write output: " + e.getMessage());
            return 1;
        }
        return status;
    }

    private static void write(Writer w, StringBuilder sb, Outcome outcome) {
        sb.setLength(0);
        OutcomeJson.append(outcome, sb);
        sb.append('\n');
        try {
            w.append(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one file; a read error is reported and the lines before it are kept. */
    private static boolean parseOne(String file, LineParser parser, MessageAssembler assembler, Counts counts,
                                    PrintStream err) {
        String name = file.equals("-") ? "standard input" : file;
        LogLineReader reader = null;
        long before = counts.lines;
        try {
            InputStream in = file.equals("-") ? LogFiles.decompressIfGzip(System.in) : LogFiles.open(Path.of(file));
            reader = new LogLineReader(in);
            String line;
            while ((line = reader.readLine()) != null) {
                ParsedLine p = parser.parse(line);
                counts.lines++;
                counts.classes[p.lineClass().ordinal()]++;
                if (p.lineClass() == LineClass.UNKNOWN && counts.unknownSamples.size() < Counts.SAMPLES) {
                    counts.unknownSamples.add(line);
                }
                assembler.accept(p);
            }
            counts.bytes += reader.offset();
            counts.truncated += reader.truncatedLines();
            return true;
        } catch (IOException e) {
            err.println("waybill parse: " + name + ": " + describe(e) + " after " + (counts.lines - before)
                    + " lines; the lines before it were kept");
            return false;
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    // Nothing more to read from it either way.
                }
            }
        }
    }

    private static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) {
            return "corrupt or truncated gzip data (" + e.getMessage() + ")";
        }
        return kind + ": " + e.getMessage();
    }

    /** Counters for {@code --stats}. */
    private static final class Counts {
        /** How many unknown lines --stats shows, so that they can be reported and understood. */
        static final int SAMPLES = 10;
        long lines;
        long bytes;
        long truncated;
        long messages;
        long evicted;
        long nanos;
        final long[] classes = new long[LineClass.values().length];
        final long[] outcomes = new long[OutcomeType.values().length];
        final List<String> unknownSamples = new ArrayList<>();

        String toJson() {
            StringBuilder sb = new StringBuilder(1024);
            sb.append("{\"lines\":").append(lines).append(",\"bytes\":").append(bytes)
                    .append(",\"truncated_lines\":").append(truncated).append(",\"classes\":{");
            boolean first = true;
            for (LineClass c : LineClass.values()) {
                sb.append(first ? "" : ",").append('"').append(c.label()).append("\":").append(classes[c.ordinal()]);
                first = false;
            }
            sb.append("},\"messages\":").append(messages).append(",\"let_go_at_horizon\":").append(evicted)
                    .append(",\"outcomes\":{");
            first = true;
            for (OutcomeType t : OutcomeType.values()) {
                sb.append(first ? "" : ",").append('"').append(t.label()).append("\":").append(outcomes[t.ordinal()]);
                first = false;
            }
            double seconds = nanos / 1e9;
            sb.append("},\"seconds\":").append(Math.round(seconds * 1000) / 1000.0)
                    .append(",\"lines_per_second\":").append(seconds > 0 ? Math.round(lines / seconds) : 0)
                    .append(",\"unknown_samples\":[");
            for (int i = 0; i < unknownSamples.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                OutcomeJson.quote(sb, unknownSamples.get(i));
            }
            sb.append("]}");
            return sb.toString();
        }
    }

    /** Parsed command-line options. */
    static final class Options {
        boolean help;
        boolean stats;
        Path cpanelRoot = Path.of("/");
        ZoneId zone = ZoneId.systemDefault();
        long horizonSeconds = MessageAssembler.DEFAULT_HORIZON_SECONDS;
        final List<String> files = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--stats" -> o.stats = true;
                    case "--cpanel-root" -> o.cpanelRoot = Path.of(need(args, ++i, a));
                    case "--timezone" -> {
                        String z = need(args, ++i, a);
                        try {
                            o.zone = ZoneId.of(z);
                        } catch (DateTimeException e) {
                            throw new IllegalArgumentException("--timezone: unknown zone '" + z + "'");
                        }
                    }
                    case "--horizon" -> o.horizonSeconds = Durations.parseSeconds(need(args, ++i, a), a);
                    default -> {
                        if (a.startsWith("-") && !a.equals("-")) {
                            throw new IllegalArgumentException("unknown option '" + a + "'");
                        }
                        o.files.add(a);
                    }
                }
            }
            if (o.files.isEmpty() && !o.help) {
                throw new IllegalArgumentException("no log file given (use - for standard input)");
            }
            return o;
        }

        private static String need(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }
}
