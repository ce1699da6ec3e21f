package dev.waybill.cli;

import java.io.PrintStream;

final class SampleLogCommand {
    private SampleLogCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("not yet");
        return 1;
    }
}
