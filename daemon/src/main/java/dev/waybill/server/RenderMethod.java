package dev.waybill.server;

import com.google.gson.JsonObject;
import dev.waybill.query.BadQueryException;
import dev.waybill.query.ForbiddenException;
import dev.waybill.query.Viewer;
import dev.waybill.render.Templates;
import dev.waybill.trace.AddressTracer;
import javax.sql.DataSource;
import dev.waybill.render.PageQuery;
import dev.waybill.render.Pages;
import java.io.IOException;
import java.sql.SQLException;

/**
 * {@code render}: the HTML of a page view, for the cPanel page, the WHM page and the admin page.
 * Params: {@code page} ({@code cpanel}, {@code whm} or {@code admin}), {@code base} (the page's
 * own path, starting with cPanel's security token; every link is built on it), {@code query}
 * (the page's query string, passed through untouched) and {@code standalone} (a whole document,
 * for a page without cPanel's chrome). Result: {@code {"status":N,"html":…}}, the status being the
 * HTTP status the page answers with (200, or what its error view means: 400, 403, 404, 503).
 *
 * <p>The view {@code export} is the report's CSV instead, streamed as chunks like the
 * {@code export} method, ending with {@code {"rows":N}}. What any view shows is the caller's
 * scope; the query string only narrows it.
 */
public final class RenderMethod {

    /** A page's query string is short; anything longer is not from a page. */
    static final int MAX_QUERY = 8192;

    private final Pages pages;

    public RenderMethod(Pages pages) {
        this.pages = pages;
    }

    /** The render method over the store at {@code dataSource}. */
    public static RenderMethod forStore(DataSource dataSource, AddressTracer tracer, Templates templates,
            String serverName, int retentionDays) {
        return new RenderMethod(Pages.forStore(dataSource, tracer, templates, serverName, retentionDays));
    }

    public MethodRegistry registerOn(MethodRegistry registry) {
        return registry.register("render", this::call);
    }

    private void call(Request req, Scope scope, Reply reply) throws RequestException {
        Params p = req.params();
        p.allowOnly("page", "base", "query", "standalone");
        Pages.Side side = switch (p.oneOf("page", "cpanel", "cpanel", "whm", "admin")) {
            case "whm" -> Pages.Side.WHM;
            case "admin" -> Pages.Side.ADMIN;
            default -> Pages.Side.CPANEL;
        };
        String base = p.requireString("base");
        if (!Pages.isSafeBase(base)) {
            throw RequestException.badRequest("base must be a plain path such as /cpsess0123456789/frontend/jupiter/"
                    + "waybill/index.live.pl");
        }
        String query = p.string("query", "");
        if (query.length() > MAX_QUERY) {
            throw RequestException.badRequest("query may be at most " + MAX_QUERY + " characters");
        }
        Viewer viewer = QueryMethods.viewer(req, scope);
        Pages.Request r = new Pages.Request(viewer, scope::sees, side, base, PageQuery.parse(query),
                p.bool("standalone", false), who(req.caller(), scope));
        if (Pages.viewOf(r.query()).equals("export")) {
            export(r, reply);
            return;
        }
        Pages.Rendered page = pages.renderOrUnavailable(r);
        JsonObject result = new JsonObject();
        // the status first, so that a page reads it before the long HTML
        result.addProperty("status", page.status());
        result.addProperty("html", page.html());
        reply.result(result);
    }

    private void export(Pages.Request r, Reply reply) throws RequestException {
        long rows;
        try {
            rows = pages.exportCsv(r, text -> {
                try {
                    reply.chunk(text);
                } catch (RequestException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw e.getCause() instanceof RequestException x ? x : RequestException.unavailable(e.getMessage());
        } catch (SQLException e) {
            throw RequestException.unavailable("the database did not answer; try again shortly");
        } catch (ForbiddenException e) {
            throw RequestException.forbidden(e.getMessage());
        } catch (Pages.PageError e) {
            throw e.status() == 404 ? RequestException.notFound(e.getMessage())
                    : RequestException.badRequest(e.getMessage());
        } catch (BadQueryException e) {
            throw RequestException.badRequest(e.getMessage());
        }
        JsonObject done = new JsonObject();
        done.addProperty("format", "csv");
        done.addProperty("rows", rows);
        reply.result(done);
    }

    /** Whose mail the page shows, in a few words for its heading. */
    static String who(Caller caller, Scope scope) {
        String email = scope.email().map(e -> ", " + e + " only").orElse("");
        return switch (caller.role()) {
            case ROOT -> "every account on this server" + email;
            case RESELLER -> "the accounts of reseller " + caller.principal() + email;
            case USER -> "account " + caller.principal() + email;
        };
    }
}
