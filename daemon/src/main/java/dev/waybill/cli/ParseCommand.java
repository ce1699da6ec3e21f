package dev.waybill.cli;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.LogFiles;
import dev.waybill.ingest.ParsingReader;
import dev.waybill.outcome.JsonBuffer;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeJson;
import dev.waybill.outcome.OutcomeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
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
              --cpanel-root DIR    where etc/userdomains and friends live (default: cpanel.root of
                                   the configuration, else /), for the user fields
              --timezone ZONE      zone of timestamps that carry none (default: log.timezone of
                                   the configuration, else this system's)
              --horizon DURATION   let go of a message silent this long, as it stands
                                   (default 7d; e.g. 36h, 90m)
              --config FILE        configuration file (default /etc/waybill/waybill.conf if present)
              -h, --help           show this text
            """;

    private ParseCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, WaybillConfig.DEFAULT_FILE);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the default configuration at {@code defaultConfig}. */
    static int run(String[] args, PrintStream out, PrintStream err, Path defaultConfig) {
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
        WaybillConfig config;
        try {
            config = WaybillConfig.load(o.config, defaultConfig);
        } catch (ConfigException e) {
            if (o.config != null || !e.unreadable()) {
                err.println("waybill parse: " + e.getMessage());
                return 2;
            }
            // The default configuration is root's alone (mode 0600: it holds the database
            // password). Parsing needs none of it but the zone and the accounts' files, which the
            // flags give: another user goes on without it, told what stands in.
            config = WaybillConfig.defaults();
            if (o.zone == null || o.cpanelRoot == null) {
                err.println("waybill parse: note: " + e.getMessage() + "; going on with"
                        + (o.zone == null ? " this system's time zone (" + config.logTimezone() + "; --timezone ZONE)" : "")
                        + (o.zone == null && o.cpanelRoot == null ? " and" : "")
                        + (o.cpanelRoot == null ? " the account files under " + config.cpanelRoot() + " (--cpanel-root DIR)"
                                : ""));
            }
        }
        config.warnings().forEach(w -> err.println("waybill parse: warning: " + w));
        Path cpanelRoot = o.cpanelRoot != null ? o.cpanelRoot : config.cpanelRoot();
        ZoneId zone = o.zone != null ? o.zone : config.logTimezone();
        CpanelAccounts accounts;
        try {
            accounts = CpanelAccounts.read(cpanelRoot);
        } catch (IOException e) {
            err.println("waybill parse: cannot read cPanel account files under " + cpanelRoot + ": " + e);
            return 1;
        }
        Output output = new Output(out);
        Counts counts = new Counts();
        MessageAssembler assembler = new MessageAssembler(accounts, o.horizonSeconds,
                MessageAssembler.DEFAULT_MAX_OPEN, outcome -> {
                    counts.outcomes[outcome.type().ordinal()]++;
                    if (!o.stats) {
                        output.write(outcome);
                    }
                });
        int status = 0;
        long started = System.nanoTime();
        try {
            for (String file : o.files) {
                if (!parseOne(file, zone, assembler, counts, err)) {
                    status = 1;
                }
            }
            assembler.finish();
            if (o.stats) {
                counts.messages = assembler.messages();
                counts.evicted = assembler.evicted();
                counts.nanos = System.nanoTime() - started;
                counts.appendJson(output.buffer);
                output.buffer.raw('\n');
            }
            output.flush();
        } catch (ClientOptions.OutputFailed e) {
            if (e.readerGone) {
                return status; // piped into head, which has what it wanted
            }
            err.println("waybill parse: " + ClientOptions.OutputFailed.MESSAGE);
            return 1;
        }
        return status;
    }

    /** Reads one file; a read error is reported and the lines before it are kept. */
    private static boolean parseOne(String file, ZoneId zone, MessageAssembler assembler, Counts counts,
                                    PrintStream err) {
        String name = file.equals("-") ? "standard input" : file;
        long before = counts.lines;
        InputStream in;
        try {
            in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file));
        } catch (IOException e) {
            err.println("waybill parse: " + name + ": " + describe(e));
            return false;
        }
        try (ParsingReader reader = new ParsingReader(LogFiles.decompressing(in), zone, name)) {
            ParsedLine[] batch;
            while ((batch = reader.next()) != null) {
                for (ParsedLine p : batch) {
                    counts.classes[p.lineClass().ordinal()]++;
                    if (p.lineClass() == LineClass.UNKNOWN && counts.unknownSamples.size() < Counts.SAMPLES) {
                        counts.unknownSamples.add(p.text());
                    }
                    assembler.accept(p);
                }
                counts.lines += batch.length;
            }
            counts.bytes += reader.bytes();
            counts.truncated += reader.truncatedLines();
            return true;
        } catch (IOException e) {
            err.println("waybill parse: " + name + ": " + describe(e) + " after " + (counts.lines - before)
                    + " lines; the lines before it were kept");
            return false;
        }
    }

    /** A read error in words a user acts on. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if ("Is a directory".equals(e.getMessage())) {
            return "a directory, not a log file";
        }
        if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) {
            return "corrupt or truncated gzip data (" + e.getMessage() + ")";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Outcomes as JSON lines, written in large blocks. */
    private static final class Output {
        private static final int BLOCK = 1 << 16;
        final JsonBuffer buffer = new JsonBuffer(BLOCK + 4096);
        private final PrintStream out;

        Output(PrintStream out) {
            this.out = out;
        }

        void write(Outcome outcome) {
            OutcomeJson.append(outcome, buffer);
            buffer.raw('\n');
            if (buffer.size() >= BLOCK) {
                flush();
            }
        }

        /**
         * Writes the block out.
         *
         * @throws ClientOptions.OutputFailed if it could not be, which stops the parse there
         */
        void flush() {
            try {
                buffer.drainTo(out);
            } catch (IOException e) {
                buffer.clear(); // PrintStream never throws; its error flag is read below
            }
            out.flush();
            if (out.checkError()) {
                throw new ClientOptions.OutputFailed(StandardOutput.readerGone(out));
            }
        }
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

        void appendJson(JsonBuffer b) {
            b.raw("{\"lines\":").number(lines).raw(",\"bytes\":").number(bytes)
                    .raw(",\"truncated_lines\":").number(truncated).raw(",\"classes\":{");
            for (LineClass c : LineClass.values()) {
                b.raw(c.ordinal() == 0 ? "\"" : ",\"").raw(c.label()).raw("\":").number(classes[c.ordinal()]);
            }
            b.raw("},\"messages\":").number(messages).raw(",\"let_go_at_horizon\":").number(evicted)
                    .raw(",\"outcomes\":{");
            for (OutcomeType t : OutcomeType.values()) {
                b.raw(t.ordinal() == 0 ? "\"" : ",\"").raw(t.label()).raw("\":").number(outcomes[t.ordinal()]);
            }
            double seconds = nanos / 1e9;
            b.raw("},\"seconds\":").raw(Double.toString(Math.round(seconds * 1000) / 1000.0))
                    .raw(",\"lines_per_second\":").number(seconds > 0 ? Math.round(lines / seconds) : 0)
                    .raw(",\"unknown_samples\":[");
            for (int i = 0; i < unknownSamples.size(); i++) {
                b.raw(i == 0 ? "" : ",").string(unknownSamples.get(i));
            }
            b.raw("]}");
        }
    }

    /** Parsed command-line options. */
    static final class Options {
        boolean help;
        boolean stats;
        Path config;
        Path cpanelRoot;
        ZoneId zone;
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
                    case "--config" -> o.config = Path.of(need(args, ++i, a));
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
