package dev.waybill.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
