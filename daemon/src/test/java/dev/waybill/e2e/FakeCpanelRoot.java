package dev.waybill.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The account files of a small cPanel server, under a temporary directory that stands for
 * {@code /}. Exim's routers read them (see {@code e2e/exim.conf.template}) and so does
 * {@code waybill parse --cpanel-root}.
 *
 * <p>Accounts: {@value #EXAMPLE_USER} owns {@value #EXAMPLE_DOMAIN} (mailboxes alice and bob,
 * a DKIM key, and forwarders); {@value #SHOP_USER}, a reseller's customer, owns
 * {@value #SHOP_DOMAIN} (mailbox carol).
 */
final class FakeCpanelRoot {

    static final String EXAMPLE_USER = "exampleco";
    static final String EXAMPLE_DOMAIN = "example.com";
    static final String SHOP_USER = "shopuser";
    static final String SHOP_DOMAIN = "shop.test";

    static final String ALICE = "alice@example.com";
    static final String ALICE_PASSWORD = "wonderland-7";
    static final String BOB = "bob@example.com";
    static final String CAROL = "carol@shop.test";

    /** Forwarders of example.com: /etc/valiases/example.com. */
    static final String SALES = "sales@example.com";
    static final String CHAIN = "chain@example.com";
    static final String PARTNERS = "partners@example.com";
    static final String PARTNER_REMOTE = "ok-partner@ok.sink.test";
    static final String TEAM = "team@example.com";
    static final String TEAM_REMOTE = "ok-team@ok.sink.test";
    static final String NOWHERE = "nowhere@example.com";
    static final String NOWHERE_TEXT = "No such person at this address";
    static final String TRASH = "trash@example.com";

    private FakeCpanelRoot() {
    }

    /** Writes the account files under {@code root}; mail directories are created empty. */
    static void write(Path root) throws IOException {
        write(root.resolve("etc/localdomains"), """
                example.com
                shop.test
                """);
        write(root.resolve("etc/userdomains"), """
                example.com: exampleco
                shop.test: shopuser
                *: nobody
                """);
        write(root.resolve("etc/trueuserdomains"), """
                example.com: exampleco
                shop.test: shopuser
                """);
        write(root.resolve("etc/trueuserowners"), """
                exampleco: root
                shopuser: resell1
                resell1: root
                """);
        write(root.resolve("etc/valiases/example.com"), """
                sales@example.com: bob@example.com
                chain@example.com: sales@example.com
                partners@example.com: ok-partner@ok.sink.test
                team@example.com: carol@shop.test, ok-team@ok.sink.test
                nowhere@example.com: :fail: No such person at this address
                trash@example.com: :blackhole:
                """);
        write(root.resolve("etc/valiases/shop.test"), "");
        write(root.resolve("var/cpanel/users/exampleco"), """
                DNS=example.com
                OWNER=root
                PLAN=default
                STARTDATE=1262304000
                """);
        write(root.resolve("var/cpanel/users/shopuser"), """
                DNS=shop.test
                OWNER=resell1
                PLAN=default
                STARTDATE=1262304000
                """);
        // Exim's dkim_lookuphost router only checks that the key exists.
        write(root.resolve("var/cpanel/domain_keys/private/example.com"), "placeholder, not a key\n");
        // Email accounts; the fifth field is the mailbox directory (relative to the fake root).
        write(root.resolve("home/exampleco/etc/example.com/passwd"), """
                alice:x:1001:1001::/home/exampleco/mail/example.com/alice:/usr/local/cpanel/bin/noshell
                bob:x:1001:1001::/home/exampleco/mail/example.com/bob:/usr/local/cpanel/bin/noshell
                """);
        write(root.resolve("home/shopuser/etc/shop.test/passwd"), """
                carol:x:1002:1002::/home/shopuser/mail/shop.test/carol:/usr/local/cpanel/bin/noshell
                """);
        Files.createDirectories(root.resolve("home/exampleco/mail"));
        Files.createDirectories(root.resolve("home/shopuser/mail"));
    }

    /** The mail directories, which the delivering Exim user must be able to write. */
    static Path[] mailDirectories(Path root) {
        return new Path[] {root.resolve("home/exampleco/mail"), root.resolve("home/shopuser/mail")};
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
