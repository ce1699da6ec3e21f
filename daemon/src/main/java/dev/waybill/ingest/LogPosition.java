package dev.waybill.ingest;

/**
 * Where a reader of a log stands: which file, and the byte offset of the next unread byte.
 *
 * <p>A file is named by its device and inode, which survive a rename, plus a guard against the
 * inode being reused by a later file: the {@linkplain LogHead#guard() guard} of the file's
 * {@link LogHead}, its first {@code headLength} bytes (up to {@value #HEAD_BYTES}; fewer while the
 * file is that short). The guard is also how a rotated file is recognised once it has been copied
 * or compressed and its inode says nothing any more. For a compressed file the offset counts
 * decompressed bytes.
 *
 * <p>The {@linkplain #encode() string form} is stable, to be stored in a database column next to
 * the rows the lines before it produced: {@code v1:<dev>:<inode>:<offset>:<headLength>:<headHash>}
 * with decimal numbers and the hash as 16 hex digits.
 *
 * @param device the file's {@code st_dev}
 * @param inode the file's {@code st_ino}
 * @param offset the byte offset of the next unread byte
 * @param headLength how many of the file's first bytes {@code headHash} covers, 0 to {@value #HEAD_BYTES}
 * @param headHash the {@linkplain LogHead#guard() guard} of those bytes
 */
public record LogPosition(long device, long inode, long offset, int headLength, long headHash) {

    /** How many of a file's first bytes identify its content: {@link LogHead#BYTES}. */
    public static final int HEAD_BYTES = LogHead.BYTES;

    private static final String VERSION = "v1";

    public LogPosition {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, got " + offset);
        }
        if (headLength < 0 || headLength > HEAD_BYTES) {
            throw new IllegalArgumentException("headLength must be 0 to " + HEAD_BYTES + ", got " + headLength);
        }
    }

    /** The position {@code offset} in the file {@code key} names, which begins with {@code head}. */
    static LogPosition at(FileKey key, long offset, LogHead head) {
        return new LogPosition(key.device(), key.inode(), offset, head.length(), head.guard());
    }

    /** The same file at another offset. */
    public LogPosition withOffset(long newOffset) {
        return new LogPosition(device, inode, newOffset, headLength, headHash);
    }

    /** Whether {@code other} names the same device and inode (whatever the offset and content). */
    public boolean sameInode(LogPosition other) {
        return device == other.device && inode == other.inode;
    }

    /** The stable string form; {@link #parse} reads it back. */
    public String encode() {
        return VERSION + ':' + Long.toUnsignedString(device) + ':' + Long.toUnsignedString(inode) + ':' + offset
                + ':' + headLength + ':' + String.format("%016x", headHash);
    }

    /** The same as {@link #encode()}, so that a position reads the same in logs and in the database. */
    @Override
    public String toString() {
        return encode();
    }

    /**
     * Reads the {@linkplain #encode() string form} back.
     *
     * @throws IllegalArgumentException if {@code text} is not one, saying what is wrong
     */
    public static LogPosition parse(String text) {
        String[] f = text.split(":", -1);
        if (f.length != 6 || !f[0].equals(VERSION)) {
            throw new IllegalArgumentException("not a log position (want " + VERSION
                    + ":dev:inode:offset:headLength:headHash): \"" + text + "\"");
        }
        try {
            if (f[5].length() != 16) {
                throw new NumberFormatException("the head hash must be 16 hex digits");
            }
            return new LogPosition(Long.parseUnsignedLong(f[1]), Long.parseUnsignedLong(f[2]), Long.parseLong(f[3]),
                    Integer.parseInt(f[4]), Long.parseUnsignedLong(f[5], 16));
        } catch (IllegalArgumentException e) { // NumberFormatException, or the constructor's checks
            throw new IllegalArgumentException("bad log position \"" + text + "\": " + e.getMessage(), e);
        }
    }

    /** Whether {@code head} is the start of the file this position was taken in (as far as its guard can tell). */
    public boolean startsLike(LogHead head) {
        return head.startsLike(headLength, headHash);
    }
}
