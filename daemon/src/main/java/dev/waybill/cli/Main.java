package dev.waybill.cli;

import java.io.FileDescriptor;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of {@code waybill.jar}: the daemon and the admin CLI in one executable.
 *
 * <p>Each command is a class with a {@code run(String[] args, PrintStream out, PrintStream err)}
 * method returning the process exit status; this class only dispatches.
 */
public final class Main {

    static final String USAGE = """
            Usage: waybill <command> [options]

            Commands:
              run                 the daemon: follow the main log into the database
              parse FILE...       read Exim main logs (plain, .gz, or - for stdin) and print one
                                  JSON object per delivery outcome and per SMTP-time rejection
              import FILE...      backfill rotated logs into the database (oldest first)
              search              list deliveries (filters, paging; --failed for blocked & failed)
              message MSGID       one message's story: every recipient, the diagnosis, its log lines
              trace ADDRESS       the route an email to ADDRESS takes from this server
              stats               deliveries by hour and outcome; the accounts with most failures
              export              a search as CSV, streamed
              status              ask the running daemon how it is (version, uptime, ingestion)
              whoami              ask the daemon who you are and which accounts you may see
              sample-log          write a synthetic cPanel-like Exim main log (for benchmarks)
              help                show this text

            Run 'waybill <command> --help' for the options of a command.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = StandardOutput.of(FileDescriptor.out);
        System.setOut(out);
        System.setErr(StandardOutput.of(FileDescriptor.err));
        int status = run(args, out, System.err);
        out.flush();
        System.exit(status);
    }

    /** Runs one command; returns its exit status (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "parse":
                return ParseCommand.run(rest, out, err);
            case "run":
                return RunCommand.run(rest, out, err);
            case "import":
                return ImportCommand.run(rest, out, err);
            case "status":
                return StatusCommand.run(rest, out, err);
            case "search":
            case "message":
            case "trace":
            case "stats":
            case "export":
                return QueryCommand.run(args[0], rest, out, err);
            case "whoami":
                return WhoamiCommand.run(rest, out, err);
            case "sample-log":
                return SampleLogCommand.run(rest, out, err);
            case "help":
            case "--help":
            case "-h":
                out.print(USAGE);
                return 0;
            default:
                err.println("waybill: unknown command '" + args[0] + "'");
                err.print(USAGE);
                return 2;
        }
    }
}
