package dev.waybill.server;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * The socket's file: its directory made if missing (traversable by everyone, or local users
 * could not connect), a stale file of a killed daemon replaced, a live daemon's file left alone,
 * mode 0666 once bound (anyone may connect; what they see depends on who they are), and removal
 * at shutdown only while the file is still ours.
 */
final class SocketFile {

    /** {@code S_IFMT} and {@code S_IFSOCK} of stat(2). */
    private static final int TYPE_MASK = 0170000;
    private static final int SOCKET = 0140000;

    private final Path path;
    private Object boundKey;
    /** The other path made a link to this socket ({@link #linkFrom}), or null. */
    private Path linkedFrom;

    SocketFile(Path path) {
        this.path = path;
    }

    /**
     * Gets the path ready for binding.
     *
     * @throws IOException if another daemon answers on it, if something other than a socket is
     *                     there, or if the directory cannot be made
     */
    void prepare() throws IOException {
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                // The JDK's message is often the bare path (a file where a directory should be).
                throw new IOException("socket.path " + path + ": cannot make its directory " + dir + " ("
                        + why(e, dir) + "); set another socket.path", e);
            }
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IOException(path + " exists and is not a socket; remove it or set another socket.path");
        }
        if (answers(path)) {
            throw new IOException("another waybill daemon is already listening on " + path
                    + "; stop it first (or set another socket.path)");
        }
        Files.delete(path); // left behind by a daemon that did not shut down cleanly
    }

    private static String why(IOException e, Path dir) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        // A file further up (ENOTDIR, "a/b: Not a directory"): the JDK names the directory it
        // could not make, not the file in the way.
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(p)) {
                    return p + " exists and is not a directory";
                }
                break;
            }
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied on " + a.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Makes the bound socket connectable by everyone and remembers which file is ours. */
    void bound() throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        boundKey = key();
    }

    /**
     * Why a user other than the daemon's cannot reach the socket — a directory on its way that
     * others may not pass through (no {@code o+x}) — or null when they can. The socket is for
     * every local user: the cPanel page runs as the account.
     */
    String closedToOthers() {
        for (Path d = path.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            Set<PosixFilePermission> mode;
            try {
                mode = Files.getPosixFilePermissions(d);
            } catch (IOException e) {
                return null; // not ours to tell
            }
            if (!mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return "cPanel accounts cannot reach the socket " + path + ": " + d + " is closed to other users ("
                        + PosixFilePermissions.toString(mode) + "); let them through it (chmod o+x " + d
                        + ") or set another socket.path";
            }
        }
        return null;
    }

    /**
     * Makes {@code from} a symbolic link to this socket: where the callers that cannot read the
     * configuration look (the cPanel and WHM pages, cPanel accounts' CLI), when the socket is
     * elsewhere. Only in a directory of this daemon's own (its runtime directory, which systemd
     * or the installer made): never anywhere else on the system. A link left by an earlier
     * daemon, or a stale socket, is replaced; another daemon answering there, or anything else,
     * is left alone.
     *
     * @return null when {@code from}'s directory is not this daemon's (nothing done); "" when the
     *         link is in place; else why it is not, in a sentence
     */
    String linkFrom(Path from) {
        if (from.equals(path)) {
            return "";
        }
        try {
            Path dir = from.getParent();
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || !Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(ownUid())) {
                return null;
            }
            if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                boolean link = Files.isSymbolicLink(from);
                if (!link && !isSocket(from)) {
                    return from + " exists and is neither a socket nor a link; left as it is";
                }
                if (answers(from) && !(link && Files.readSymbolicLink(from).equals(path))) {
                    return "another daemon answers at " + from + "; left as it is";
                }
                Files.delete(from); // a link of an earlier daemon, or a socket nobody listens on
            }
            Files.createSymbolicLink(from, path);
            linkedFrom = from;
            return "";
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot make " + from + " a link to it (" + (e instanceof IOException io ? why(io, from.getParent())
                    : e.getMessage()) + ")";
        }
    }

    /** Whether {@code p} itself (not what a link leads to) is a socket. */
    private static boolean isSocket(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & TYPE_MASK) == SOCKET;
    }

    /** This process's uid: the owner of the files it makes, as the socket's own directory shows. */
    private Object ownUid() throws IOException {
        return Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes the file if it is still the one this server bound, and the link to it if still ours. */
    void remove() {
        try {
            if (boundKey != null && Objects.equals(boundKey, key())) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // already gone, or replaced by a newer daemon: leave it
        }
        boundKey = null;
        Path from = linkedFrom;
        linkedFrom = null;
        try {
            if (from != null && Files.isSymbolicLink(from) && Files.readSymbolicLink(from).equals(path)) {
                Files.delete(from);
            }
        } catch (IOException e) {
            // replaced meanwhile: leave it
        }
    }

    private Object key() throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** True if something accepts connections on {@code path}. */
    static boolean answers(Path path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }
}
