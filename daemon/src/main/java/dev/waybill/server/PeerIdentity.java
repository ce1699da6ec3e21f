package dev.waybill.server;

/**
 * Who is on the other end of a connection, as the kernel says (SO_PEERCRED at connect time):
 * never taken from anything the client sends.
 */
public record PeerIdentity(int pid, int uid, int gid) {

    /** True for uid 0. */
    public boolean isRoot() {
        return uid == 0;
    }

    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid + " gid " + gid;
    }
}
