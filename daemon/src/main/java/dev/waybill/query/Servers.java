package dev.waybill.query;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servers writing to the store, by name and by id, and which one answers here. cPanel account
 * names are unique on one server only: an account's or a reseller's rows are those of the server
 * whose daemon it asks ({@link #local}), whatever other servers share the database.
 */
final class Servers {

    private final String local;
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, String> names = new ConcurrentHashMap<>();

    /** @param local this daemon's {@code server.id}, whose accounts its viewers are */
    Servers(String local) {
        this.local = local;
    }

    /** This daemon's server's name. */
    String localName() {
        return local;
    }

    /** The id of this daemon's server, or null while it has written nothing here. */
    Integer local(Connection c) throws SQLException {
        return id(c, local);
    }

    /** The id of server {@code name}, or null when it never wrote here. */
    Integer id(Connection c, String name) throws SQLException {
        if (!Sql.ascii(name)) {
            return null; // no server's: names are ASCII
        }
        Integer id = ids.get(name);
        if (id == null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM server WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    id = rs.getInt(1);
                }
            }
            ids.put(name, id);
        }
        return id;
    }

    String name(Connection c, int id) throws SQLException {
        String name = names.get(id);
        if (name == null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM server WHERE id = ?")) {
                ps.setInt(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    name = rs.next() ? rs.getString(1) : "#" + id;
                }
            }
            names.put(id, name);
        }
        return name;
    }
}
