package dev.waybill.admin;

import dev.waybill.render.Templates;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The headers every admin page response carries. The views inline their stylesheet and script
 * (one response per page, as in cPanel and WHM), so the Content-Security-Policy allows exactly
 * those two texts by their SHA-256 hashes and nothing else: a script that reached a page any
 * other way (were escaping ever to fail) would not run. The trace view sets one CSS custom
 * property per step in a {@code style} attribute ({@code --depth}), hence
 * {@code style-src-attr 'unsafe-inline'}: attributes cannot carry script, and with
 * {@code default-src 'none'} nothing can be loaded from anywhere.
 */
final class SecurityHeaders {

    private final String policy;

    SecurityHeaders(Templates templates) {
        this.policy = "default-src 'none'; script-src " + hash(templates.staticText("waybill.js"))
                + "; style-src " + hash(templates.staticText("waybill.css"))
                + "; style-src-attr 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none';"
                + " frame-ancestors 'none'";
    }

    /** The policy, for tests. */
    String policy() {
        return policy;
    }

    /** Adds the headers to {@code h}. */
    void addTo(HttpHeaders h) {
        h.set("Content-Security-Policy", policy);
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Cross-Origin-Opener-Policy", "same-origin");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
    }

    static String hash(String inlineText) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(inlineText.getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(d) + "'";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
