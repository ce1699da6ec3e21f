package dev.waybill.cli;

import dev.waybill.sample.SampleLogGenerator;
import dev.waybill.sample.SampleLogGenerator.Options;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** {@code waybill sample-log}: writes a synthetic cPanel-like Exim main log (for benchmarks and tests). */
final class SampleLogCommand {

    static final String USAGE = """
            Usage: waybill sample-log [options]

            Write a synthetic Exim main log as a busy cPanel shared-hosting server would, the same
            bytes for the same options.

            Options:
              --lines N            stop after about N lines (default %d)
              --ids 16|23          message id format: 16 = Exim before 4.97 (1RwtJa-0009RI-07),
                                   23 = Exim 4.97 and later (1rAbcD-00000000AbC-0000) (default %d)
              --seed S             random seed, any integer (default %d)
              --start TIME         time of the first line, "YYYY-MM-DD HH:MM:SS" (default "%s")
              --accounts N         cPanel accounts on the server, 1 to %d (default %d)
              --out FILE           write the log to FILE instead of standard output
              --cpanel-root DIR    also write the server's account files under DIR (etc/userdomains,
                                   etc/trueuserdomains, etc/domainusers, etc/trueuserowners,
                                   etc/localdomains, etc/valiases/, var/cpanel/users/)
              --help               show this text
            """.formatted(Options.DEFAULT_LINES, Options.DEFAULT_ID_WIDTH, Options.DEFAULT_SEED,
            Options.DEFAULT_START, Options.MAX_ACCOUNTS, Options.DEFAULT_ACCOUNTS);

    private SampleLogCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options = Options.defaults();
        String outFile = null;
        String root = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (name) {
                    case "--help":
                    case "-h":
                        out.print(USAGE);
                        return 0;
                    case "--lines":
                        options = options.withLines(parseLong(name, value != null ? value : next(args, ++i, name)));
                        break;
                    case "--ids":
                        options = options.withIdWidth((int) parseLong(name, value != null ? value : next(args, ++i, name)));
                        break;
                    case "--seed":
                        options = options.withSeed(parseLong(name, value != null ? value : next(args, ++i, name)));
                        break;
                    case "--start":
                        options = options.withStartMillis(Options.parseStart(value != null ? value : next(args, ++i, name)));
                        break;
                    case "--accounts":
                        long n = parseLong(name, value != null ? value : next(args, ++i, name));
                        if (n < 1 || n > Options.MAX_ACCOUNTS) {
                            throw new IllegalArgumentException("--accounts must be between 1 and "
                                    + Options.MAX_ACCOUNTS + ", got " + n);
                        }
                        options = options.withAccounts((int) n);
                        break;
                    case "--out":
                        outFile = value != null ? value : next(args, ++i, name);
                        break;
                    case "--cpanel-root":
                        root = value != null ? value : next(args, ++i, name);
                        break;
                    default:
                        throw new IllegalArgumentException(arg.startsWith("-") ? "unknown option '" + arg + "'"
                                : "unexpected argument '" + arg + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("waybill sample-log: " + e.getMessage());
            return 2;
        }

        SampleLogGenerator generator = new SampleLogGenerator(options);
        try {
            if (root != null) {
                generator.writeCpanelRoot(Path.of(root));
            }
            if (outFile == null) {
                OutputStream stdout = ClientOptions.failingOn(out);
                generator.generate(stdout);
                stdout.flush();
            } else {
                try (OutputStream file = new BufferedOutputStream(new FileOutputStream(outFile), 1 << 16)) {
                    generator.generate(file);
                }
            }
            return 0;
        } catch (IOException | UncheckedIOException e) {
            err.println("waybill sample-log: " + e.getMessage());
            return 1;
        } catch (ClientOptions.OutputFailed e) {
            if (e.readerGone) {
                return 0; // piped into head, which has what it wanted
            }
            err.println("waybill sample-log: " + ClientOptions.OutputFailed.MESSAGE);
            return 1;
        }
    }

    private static String next(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static long parseLong(String name, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'", e);
        }
    }
}
