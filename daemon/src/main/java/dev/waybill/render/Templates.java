package dev.waybill.render;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The compiled views. Templates are {@code templates/<name>.mustache} and the stylesheet and script
 * {@code static/waybill.css} and {@code static/waybill.js} (included into pages as partials, so
 * that a page is one response), read from the plugin directory ({@code plugin.path}) when it has
 * them, else from the copies bundled in the jar at build time.
 *
 * <p>Escaping is always on: a template that uses an unescaped tag ({@code {{{…}}}} or
 * {@code {{&…}}}) or changes the delimiters is refused when it is loaded, and a static file may
 * hold no tag at all. Every value therefore reaches the page HTML-escaped; a subject
 * {@code <script>} shows as text.
 */
public final class Templates {

    /** The views a page may ask for; each is compiled at start-up so that a broken one fails early. */
    public static final List<String> VIEWS = List.of("report", "message", "trace", "stats", "help", "error");
    static final List<String> STATIC = List.of("waybill.css", "waybill.js");

    private static final Pattern UNESCAPED = Pattern.compile("\\{\\{\\s*[{&=]");
    private static final String BUNDLED = "/dev/waybill/plugin/";

    private final Path dir;
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();
    private final DefaultMustacheFactory factory;

    private Templates(Path dir) {
        this.dir = dir;
        this.factory = new DefaultMustacheFactory(name -> new StringReader(source(name)));
    }

    /**
     * The templates under {@code pluginDir} ({@code templates/} and {@code static/}) if it has
     * them, else the bundled ones; every view compiled and checked.
     *
     * @param pluginDir the plugin directory, or null for the bundled templates
     * @throws IllegalStateException naming the template that is missing, unescaped or broken
     */
    public static Templates load(Path pluginDir) {
        Path dir = pluginDir != null && Files.isDirectory(pluginDir.resolve("templates")) ? pluginDir : null;
        Templates t = new Templates(dir);
        for (String view : VIEWS) {
            t.mustache(view);
        }
        return t;
    }

    /** Where the templates come from, for the daemon's start-up line. */
    public String origin() {
        return dir == null ? "the templates bundled in the jar" : dir.toString();
    }

    /**
     * The text of a static file ({@code waybill.css}, {@code waybill.js}) exactly as pages inline
     * it, for a Content-Security-Policy that allows that text and nothing else.
     */
    public String staticText(String name) {
        if (!STATIC.contains(name)) {
            throw new IllegalArgumentException("no static file " + name);
        }
        return source(name);
    }

    /** Renders {@code view} with {@code model} (maps, lists, strings, numbers, booleans). */
    public void render(String view, Map<String, Object> model, Writer out) {
        if (!VIEWS.contains(view)) {
            throw new IllegalArgumentException("no view " + view);
        }
        try {
            mustache(view).execute(out, model).flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Mustache mustache(String view) {
        return compiled.computeIfAbsent(view, v -> {
            try {
                return factory.compile(v + ".mustache");
            } catch (MustacheException e) {
                throw new IllegalStateException("template " + v + ": " + e.getMessage(), e);
            }
        });
    }

    /** The text of a template or static file, checked for unescaped tags. */
    private String source(String name) {
        boolean isStatic = STATIC.contains(name);
        if (!isStatic && !name.matches("[a-z][a-z0-9_-]*\\.mustache")) {
            throw new IllegalStateException("no template " + name);
        }
        String relative = (isStatic ? "static/" : "templates/") + name;
        String text = read(relative);
        if (isStatic ? text.contains("{{") : UNESCAPED.matcher(text).find()) {
            throw new IllegalStateException(relative + " uses an unescaped or delimiter-changing tag; every value"
                    + " must be written with {{name}}" + (isStatic ? " (a static file may hold no tag at all)" : ""));
        }
        return text;
    }

    private String read(String relative) {
        try {
            if (dir != null) {
                return Files.readString(dir.resolve(relative), StandardCharsets.UTF_8);
            }
            try (InputStream in = Templates.class.getResourceAsStream(BUNDLED + relative)) {
                if (in == null) {
                    throw new NoSuchFileException(BUNDLED + relative);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read template " + relative + " from " + origin() + ": " + e, e);
        }
    }
}
