package dev.waybill.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A file's device and inode: what stays the same when a log is renamed. */
record FileKey(long device, long inode) {

    /**
     * The device and inode {@code path} names now (following symbolic links).
     *
     * @throws java.nio.file.NoSuchFileException if nothing is there
     * @throws IOException if the file system will not say
     */
    static FileKey of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
        return new FileKey((Long) a.get("dev"), (Long) a.get("ino"));
    }

    boolean names(LogPosition p) {
        return device == p.device() && inode == p.inode();
    }
}
