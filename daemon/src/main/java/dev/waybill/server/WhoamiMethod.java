package dev.waybill.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * {@code whoami}: who the daemon thinks the caller is (from the kernel) and what it may see. The
 * first thing to ask when a page shows too little or too much.
 */
final class WhoamiMethod implements Method {

    @Override
    public void call(Request request, Scope scope, Reply reply) throws RequestException {
        request.params().allowOnly();
        Caller c = request.caller();
        JsonObject r = new JsonObject();
        r.addProperty("uid", c.peer().uid());
        r.addProperty("gid", c.peer().gid());
        r.addProperty("pid", c.peer().pid());
        r.addProperty("user", c.userName());
        r.addProperty("role", c.role().wire());
        r.addProperty("principal", c.principal());
        r.add("scope", json(scope));
        reply.result(r);
    }

    /** {@code {"all":false,"users":["alice"],"email":null}} */
    static JsonObject json(Scope scope) {
        JsonObject s = new JsonObject();
        s.addProperty("all", scope.isAll());
        JsonArray users = new JsonArray();
        scope.users().forEach(users::add);
        s.add("users", users);
        s.addProperty("email", scope.email().orElse(null));
        return s;
    }
}
