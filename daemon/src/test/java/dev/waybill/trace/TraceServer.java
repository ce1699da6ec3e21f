package dev.waybill.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cPanel files of a small server for trace tests, under a temporary root.
 *
 * <ul>
 *   <li>exampleco owns example.com (mailboxes alice, bob, self; many forwarders; a {@code *}
 *       default that fails) and filtered.test (a domain filter; {@code *} goes to the account's
 *       main mailbox); its home is /home/exampleco.</li>
 *   <li>shopuser owns shop.test (mailbox carol, forwarder info); its home, from etc/passwd, is
 *       /home2/shopuser.</li>
 *   <li>away.test and moved.test are owned by exampleco but listed in etc/remotedomains;
 *       moved.test's MX is this server all the same.</li>
 *   <li>backup.test and backuponly.test are in etc/secondarymx: this server is a backup MX of
 *       the first and the only MX of the second.</li>
 * </ul>
 */
final class TraceServer {

    /** The address of this server in {@link #dns()}: see {@link AddressTracerTest}'s tracer. */
    static final String THIS_SERVER = "192.0.2.50";

    private TraceServer() {
    }

    static void write(Path root) throws IOException {
        write(root, "etc/localdomains", "example.com\nshop.test\nfiltered.test\n");
        write(root, "etc/remotedomains", "away.test\nmoved.test\n");
        write(root, "etc/secondarymx", "backup.test\nbackuponly.test\n");
        write(root, "etc/userdomains", """
                example.com: exampleco
                filtered.test: exampleco
                away.test: exampleco
                moved.test: exampleco
                shop.test: shopuser
                *: nobody
                """);
        write(root, "etc/trueuserowners", "exampleco: root\nshopuser: resell1\n");
        write(root, "etc/passwd", """
                root:x:0:0:root:/root:/bin/bash
                shopuser:x:1002:1002::/home2/shopuser:/bin/bash
                """);
        write(root, "etc/valiases/example.com", """
                sales@example.com: bob@example.com
                chain@example.com: sales@example.com
                team@example.com: carol@shop.test, friend@example.net
                nowhere@example.com: :fail: No such person, really
                later@example.com: :defer: Mailbox moving
                trash@example.com: :blackhole:
                pipe@example.com: |/home/exampleco/bin/handler --flag
                archive@example.com: /home/exampleco/archive.mbox
                list@example.com: :include:/home/exampleco/list.txt
                quiet@example.com: alice@example.com, :include:/home/exampleco/quiet.txt
                sneaky@example.com: :include:/home2/shopuser/secret.txt
                loop1@example.com: loop2@example.com
                loop2@example.com: loop1@example.com
                self@example.com: self@example.com, friend@example.net
                bare@example.com: exampleco
                bad@example.com: x@../../etc, y@exa/mple.com
                wide8@example.com: alice@example.com, jörg@example.com
                twice@example.com: bob@example.com, sales@example.com, friend@example.net, friend@example.net
                *: :fail: No Such User Here
                """);
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 15; i++) {
            deep.append("deep").append(i).append("@example.com: deep").append(i + 1).append("@example.com\n");
        }
        Files.writeString(root.resolve("etc/valiases/example.com"), deep, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        write(root, "etc/valiases/shop.test", "info@shop.test: carol@shop.test, boss@example.net\n");
        write(root, "etc/valiases/filtered.test", "*: exampleco\n");
        write(root, "etc/vfilters/filtered.test", "if $header_subject: contains \"spam\" then\n  save /dev/null\nendif\n");
        write(root, "etc/vfilters/example.com", "# cPanel writes an empty filter file for every domain\n\n");
        write(root, "home/exampleco/etc/example.com/passwd", """
                alice:x:1001:1001::/home/exampleco/mail/example.com/alice:/usr/local/cpanel/bin/noshell
                bob:x:1001:1001::/home/exampleco/mail/example.com/bob:/usr/local/cpanel/bin/noshell
                self:x:1001:1001::/home/exampleco/mail/example.com/self:/usr/local/cpanel/bin/noshell
                """);
        write(root, "home/exampleco/list.txt", "# the list\nalice@example.com, listed@example.net\n");
        write(root, "home/exampleco/quiet.txt", "bob@example.com\n:blackhole:\n");
        write(root, "home2/shopuser/etc/shop.test/passwd", "carol:x:1002:1002::/home2/shopuser/mail/shop.test/carol:/bin/false\n");
        write(root, "home2/shopuser/secret.txt", "hidden@example.net\n");
        write(root, "var/cpanel/domain_keys/private/example.com", "not a key\n");
    }

    /** The DNS the tests see. */
    static TestDnsServer dns() throws IOException {
        return new TestDnsServer()
                .mx("example.net", 20, "mx2.example.net").mx("example.net", 10, "mx1.example.net")
                .a("mx1.example.net", "192.0.2.10").aaaa("mx1.example.net", "2001:db8::10")
                .a("mx2.example.net", "192.0.2.20")
                .mx("away.test", 10, "mx.away.test").a("mx.away.test", "192.0.2.40")
                .a("nomx.example", "192.0.2.30")
                .mx("nomail.example", 0, ".")
                .mx("ghostmx.example", 10, "ghost.example")
                .behave("broken.example", TestDnsServer.Behaviour.SERVFAIL)
                .behave("silent.example", TestDnsServer.Behaviour.SILENT)
                .mx("xn--bcher-kva.example", 10, "mx1.example.net")
                // THIS_SERVER is one of this server's addresses
                .a("server.example", THIS_SERVER)
                .mx("backup.test", 10, "mx.primary.test").mx("backup.test", 20, "server.example")
                .mx("backup.test", 30, "mx3.primary.test").a("mx.primary.test", "192.0.2.60")
                .mx("backuponly.test", 20, "server.example")
                .mx("moved.test", 10, "server.example")
                .mx("stale.test", 10, "server.example")
                .a("selfa.test", THIS_SERVER);
    }

    static void write(Path root, String name, String text) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
