package dev.waybill.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountFilesTest {

    @Test
    void reloadIfChanged_readsNewAccountsOnlyWhenTheFilesChange(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Path userdomains = root.resolve("etc/userdomains");
        Files.writeString(userdomains, "example.com: exampleco\n");
        AccountFiles files = new AccountFiles(root);
        assertEquals("exampleco", files.current().ownerOfDomain("example.com"));
        assertNull(files.current().ownerOfDomain("new.example"));
        assertFalse(files.reloadIfChanged(), "nothing changed");

        Files.writeString(userdomains, "example.com: exampleco\nnew.example: newuser\n");
        Files.setLastModifiedTime(userdomains, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertTrue(files.reloadIfChanged());
        assertEquals("newuser", files.current().ownerOfDomain("new.example"));
        assertFalse(files.reloadIfChanged());

        Files.writeString(root.resolve("etc/trueuserowners"), "newuser: reseller9\n");
        assertTrue(files.reloadIfChanged(), "a file that appears is a change");
        assertEquals("reseller9", files.current().ownerOfUser("newuser"));
    }

    @Test
    void reloadIfChanged_userdomainsBrieflyEmptyOrMissing_keepsTheAccountsForAWhile(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Path userdomains = root.resolve("etc/userdomains");
        Files.writeString(userdomains, "example.com: exampleco\n*: nobody\n");
        AccountFiles files = new AccountFiles(root);
        // Rewritten in place: truncated, then written again.
        Files.writeString(userdomains, "");
        Files.setLastModifiedTime(userdomains, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        files.reloadIfChanged();
        assertEquals("exampleco", files.current().ownerOfDomain("example.com"), "an empty file is one being written");
        Files.delete(userdomains);
        files.reloadIfChanged();
        assertEquals("exampleco", files.current().ownerOfDomain("example.com"), "so is a missing one, for a while");
        Files.writeString(userdomains, "example.com: exampleco\nnew.example: newuser\n*: nobody\n");
        Files.setLastModifiedTime(userdomains, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertTrue(files.reloadIfChanged());
        assertEquals("newuser", files.current().ownerOfDomain("new.example"));

        AccountFiles noGrace = new AccountFiles(root, 0);
        Files.writeString(userdomains, "*: nobody\n");
        Files.setLastModifiedTime(userdomains, FileTime.fromMillis(System.currentTimeMillis() + 15_000));
        assertTrue(noGrace.reloadIfChanged());
        assertNull(noGrace.current().ownerOfDomain("example.com"), "past the grace, no accounts is believed");
    }

    @Test
    void reloadIfChanged_sameSizeAndModificationTime_stillSeesTheChange(@TempDir Path root) throws Exception {
        // A filesystem that keeps whole seconds gives two writes in one second the same time; a domain
        // moved between accounts whose names are as long leaves the size as it was.
        Files.createDirectories(root.resolve("etc"));
        Path userdomains = root.resolve("etc/userdomains");
        Files.writeString(userdomains, "example.com: alice1\n*: nobody\n");
        FileTime written = Files.getLastModifiedTime(userdomains);
        AccountFiles files = new AccountFiles(root);
        // The kernel stamps change times from a clock that moves a few milliseconds at a time:
        // a rewrite within the same tick as the reading before it is seen at the next full check.
        Thread.sleep(50);
        Files.writeString(userdomains, "example.com: alice2\n*: nobody\n");
        Files.setLastModifiedTime(userdomains, written);
        assertTrue(files.reloadIfChanged());
        assertEquals("alice2", files.current().ownerOfDomain("example.com"));

        Thread.sleep(50);
        Path replacement = root.resolve("etc/userdomains.tmp");
        Files.writeString(replacement, "example.com: alice3\n*: nobody\n");
        Files.setLastModifiedTime(replacement, written);
        Files.move(replacement, userdomains, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        assertTrue(files.reloadIfChanged(), "a file put in place by a rename is another file");
        assertEquals("alice3", files.current().ownerOfDomain("example.com"));
    }

    @Test
    void reloadIfChanged_trueuserownersBrieflyEmptyOrMissing_keepsTheResellersForAWhile(@TempDir Path root)
            throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n*: nobody\n");
        Path owners = root.resolve("etc/trueuserowners");
        Files.writeString(owners, "exampleco: reseller1\n");
        AccountFiles files = new AccountFiles(root);
        Files.writeString(owners, "");
        files.reloadIfChanged();
        assertEquals("reseller1", files.current().ownerOfUser("exampleco"),
                "rows stored meanwhile would keep no reseller for good");
        Files.delete(owners);
        files.reloadIfChanged();
        assertEquals("reseller1", files.current().ownerOfUser("exampleco"));
        Files.writeString(owners, "exampleco: reseller2\n");
        assertTrue(files.reloadIfChanged());
        assertEquals("reseller2", files.current().ownerOfUser("exampleco"));

        AccountFiles noGrace = new AccountFiles(root, 0);
        Files.delete(owners);
        assertTrue(noGrace.reloadIfChanged());
        assertNull(noGrace.current().ownerOfUser("exampleco"), "past the grace, no owners is believed");
    }
}
