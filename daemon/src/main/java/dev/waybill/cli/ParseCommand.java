package dev.waybill.cli;

import java.io.PrintStream;

final class ParseCommand {
    private ParseCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("not yet");
        return 1;
    }
}
