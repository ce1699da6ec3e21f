package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatedSiblingsTest {

    @TempDir
    Path dir;

    private void touch(String... names) throws IOException {
        for (String n : names) {
            Files.writeString(dir.resolve(n), n);
        }
    }

    private List<String> listed(String live) throws IOException {
        List<String> out = new ArrayList<>();
        for (RotatedSiblings.Sibling s : RotatedSiblings.of(dir.resolve(live))) {
            out.add(s.generation() + " " + s.path().getFileName());
        }
        return out;
    }

    @Test
    void of_numbered_oldestFirstWithPlainBeforeCompressedInOneGeneration() throws IOException {
        touch("exim_mainlog", "exim_mainlog.1", "exim_mainlog.2.gz", "exim_mainlog.10.gz", "exim_mainlog.2",
                "exim_mainlog.3.gz", "exim_rejectlog.1", "exim_mainlog.bak", "exim_mainlog.4.xz", "exim_mainlog_old");
        assertEquals(List.of("1 exim_mainlog.10.gz", "2 exim_mainlog.3.gz", "3 exim_mainlog.2", "3 exim_mainlog.2.gz",
                "4 exim_mainlog.1"), listed("exim_mainlog"));
    }

    @Test
    void of_dated_sortsByTheDate() throws IOException {
        touch("exim_mainlog", "exim_mainlog-20261128", "exim_mainlog-20261127.gz", "exim_mainlog-20261201.gz",
                "exim_mainlog-20261130", "exim_mainlog-2026113012.gz");
        assertEquals(List.of("1 exim_mainlog-20261127.gz", "2 exim_mainlog-20261128", "3 exim_mainlog-20261130",
                "4 exim_mainlog-2026113012.gz", "5 exim_mainlog-20261201.gz"), listed("exim_mainlog"));
    }

    @Test
    void of_debianName_findsMainlogGenerations() throws IOException {
        touch("mainlog", "mainlog.1", "mainlog.2.gz", "rejectlog.1");
        assertEquals(List.of("1 mainlog.2.gz", "2 mainlog.1"), listed("mainlog"));
    }

    @Test
    void of_bothSchemes_ordersByModificationTime() throws IOException {
        touch("exim_mainlog.1", "exim_mainlog-20261128.gz", "exim_mainlog.2.gz");
        Files.setLastModifiedTime(dir.resolve("exim_mainlog.2.gz"), FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(dir.resolve("exim_mainlog.1"), FileTime.fromMillis(2_000_000));
        Files.setLastModifiedTime(dir.resolve("exim_mainlog-20261128.gz"), FileTime.fromMillis(3_000_000));
        assertEquals(List.of("1 exim_mainlog.2.gz", "2 exim_mainlog.1", "3 exim_mainlog-20261128.gz"),
                listed("exim_mainlog"));
    }

    @Test
    void of_missingDirectory_isEmpty() throws IOException {
        assertEquals(List.of(), RotatedSiblings.of(dir.resolve("nope/exim_mainlog")));
    }
}
