package io.oncallapprover.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Applied migrations are never edited: Flyway would refuse to start on a database where a migration's checksum
 * changed (or, worse, a database migrated before the edit and one after would differ). The SHA-256 of every
 * migration file is pinned in src/test/resources/db/migration.sha256; a new migration adds its line.
 */
class MigrationChecksumsTest {

    static final Path PINNED = Path.of("src/test/resources/db/migration.sha256");

    @Test
    void everyMigrationIsPinnedAndUnchanged() throws Exception {
        Map<String, String> pinned = new LinkedHashMap<>();
        for (String line : Files.readAllLines(PINNED)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] parts = line.trim().split("\\s+");
                pinned.put(parts[1], parts[0]);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Path file : Migrations.files()) {
            String name = file.getFileName().toString();
            String actual = sha256(file);
            String expected = pinned.remove(name);
            if (expected == null) {
                problems.add(name + " is not pinned: once it is final, add this line to " + PINNED + ":\n" + actual + "  " + name);
            } else if (!expected.equals(actual)) {
                problems.add(name + " was edited after it was applied: restore it and add a new migration (V"
                        + (Migrations.version(Migrations.files().getLast()) + 1) + "__...) for the change instead");
            }
        }
        pinned.keySet().forEach(name -> problems.add(name + " is pinned but gone: an applied migration is never removed"));
        assertThat(problems).as(String.join("\n", problems)).isEmpty();
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
