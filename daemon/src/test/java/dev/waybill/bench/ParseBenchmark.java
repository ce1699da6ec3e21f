package dev.waybill.bench;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.LogLineReader;
import dev.waybill.outcome.MessageAssembler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parse + assemble throughput, in lines per second, on one core: the bytes of a main log (held
 * in memory, so the disk is not measured) through {@link LogLineReader}, {@link LineParser} and
 * {@link MessageAssembler}, outcomes consumed by a blackhole.
 *
 * <p>Run with {@code daemon/bench/parse-throughput.sh} (generates a 1M-line cPanel-like log,
 * pins the JVM to one core). The {@code lines} counter in the report is lines per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-XX:ActiveProcessorCount=1", "-Xmx1g"})
public class ParseBenchmark {

    /** The log to read; the script passes a generated one. */
    @Param("")
    public String log;

    private byte[] bytes;

    /** Counts lines, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Lines {
        public long lines;

        @Setup(Level.Iteration)
        public void reset() {
            lines = 0;
        }
    }

    @Setup
    public void load() throws IOException {
        if (log.isEmpty()) {
            throw new IllegalStateException("pass -p log=FILE (daemon/bench/parse-throughput.sh does)");
        }
        bytes = Files.readAllBytes(Path.of(log));
    }

    @Benchmark
    public long parseAndAssemble(Lines counter, Blackhole bh) throws IOException {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler assembler = new MessageAssembler(CpanelAccounts.none(),
                MessageAssembler.DEFAULT_HORIZON_SECONDS, MessageAssembler.DEFAULT_MAX_OPEN, bh::consume);
        long n = 0;
        try (LogLineReader reader = new LogLineReader(new ByteArrayInputStream(bytes))) {
            String line;
            while ((line = reader.readLine()) != null) {
                assembler.accept(parser.parse(line));
                n++;
            }
        }
        assembler.finish();
        counter.lines += n;
        return n;
    }
}
