package dev.waybill.ingest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rotated generations of a log that sit beside it, oldest first.
 *
 * <p>logrotate names them in one of two ways. Numbered: {@code exim_mainlog.1} is the newest,
 * {@code .2} older, and so on (Debian's {@code mainlog.1}). Dated ({@code dateext}, cPanel and
 * RHEL's default): {@code exim_mainlog-20261128}, where the suffix sorts like the date it is.
 * Either may end in {@code .gz}. A plain and a {@code .gz} file of the same name are one
 * generation (seen while logrotate compresses); the plain one comes first. Other names
 * ({@code exim_mainlog.bak}, {@code .xz}) are not generations we can read and are left out. If
 * both schemes are present, because the configuration changed, the files are ordered by their
 * modification time instead, the only order the two schemes share.
 */
final class RotatedSiblings {

    private static final Pattern NUMBERED = Pattern.compile("\\.([0-9]{1,9})(\\.gz)?");
    private static final Pattern DATED = Pattern.compile("-([0-9][0-9_.:-]*?)(\\.gz)?");

    /**
     * One rotated file.
     *
     * @param key its device and inode when listed: whoever opens it by name checks that it is
     *     still the same file, since rotation renames files one by one
     * @param generation equal for the plain and compressed form of one generation; larger is newer
     */
    record Sibling(Path path, FileKey key, boolean compressed, int generation) {
    }

    /** How many listings {@link #of} takes at most to see the directory stand still. */
    private static final int LISTINGS = 6;

    /** How a name's suffix placed it, before generations are numbered. */
    private record Named(Path path, boolean compressed, boolean numbered, long number, String date, String slot) {
    }

    private RotatedSiblings() {
    }

    /**
     * The rotated generations of {@code live}, oldest first; empty if its directory is missing.
     *
     * <p>A listing taken while logrotate renames {@code .1} to {@code .2} may show a file twice
     * or not at all, so the directory is listed until two listings in a row agree.
     *
     * @throws IOException if the directory cannot be read, or kept changing
     */
    static List<Sibling> of(Path live) throws IOException {
        List<Sibling> last = listOnce(live);
        for (int i = 1; i < LISTINGS; i++) {
            List<Sibling> again = listOnce(live);
            if (again.equals(last)) {
                return again;
            }
            last = again;
        }
        throw new IOException("the rotated files beside " + live + " kept changing while being listed");
    }

    /**
     * The file a log's path names, following symbolic links (also to a file not there at the
     * moment): its rotated files are named after it and sit beside it, wherever the link is.
     */
    static Path target(Path live) {
        Path p = live.toAbsolutePath();
        for (int i = 0; i < 16 && Files.isSymbolicLink(p); i++) {
            try {
                p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                break; // replaced meanwhile: take it as it is now
            }
        }
        return p;
    }

    private static List<Sibling> listOnce(Path live) throws IOException {
        Path abs = target(live);
        Path dir = abs.getParent();
        String base = abs.getFileName().toString();
        List<Named> found = new ArrayList<>();
        boolean numbered = false;
        boolean dated = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.length() <= base.length() || !name.startsWith(base)) {
                    continue;
                }
                String suffix = name.substring(base.length());
                Matcher m = NUMBERED.matcher(suffix);
                if (m.matches()) {
                    found.add(new Named(p, m.group(2) != null, true, Long.parseLong(m.group(1)), null,
                            "." + m.group(1)));
                    numbered = true;
                    continue;
                }
                m = DATED.matcher(suffix);
                if (m.matches()) {
                    found.add(new Named(p, m.group(2) != null, false, 0, m.group(1), "-" + m.group(1)));
                    dated = true;
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Comparator<Named> order;
        if (numbered && dated) {
            Map<String, FileTime> slotTimes = new HashMap<>();
            for (Named n : found) {
                slotTimes.merge(n.slot(), modified(n.path()), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
            order = Comparator.comparing((Named n) -> slotTimes.get(n.slot()));
        } else if (numbered) {
            order = Comparator.comparingLong((Named n) -> -n.number());
        } else {
            order = Comparator.comparing(Named::date);
        }
        found.sort(order.thenComparing(Named::slot).thenComparing(Named::compressed));
        List<Sibling> result = new ArrayList<>(found.size());
        int generation = 0;
        String slot = null;
        for (Named n : found) {
            if (!n.slot().equals(slot)) {
                generation++;
                slot = n.slot();
            }
            try {
                result.add(new Sibling(n.path(), FileKey.of(n.path()), n.compressed(), generation));
            } catch (NoSuchFileException e) {
                // renamed or deleted since the listing: the next listing will differ
            }
        }
        return result;
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // gone already: order it first, it will not be read
        }
    }
}
