package io.oncallapprover.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One summary line per fault cell, in a fixed format that can be copied into the issue note:
 * <pre>FAULT-CELL name=... status=... code=... millis=... incidentio_calls=... [more key=value]</pre>
 * For HTTP cells {@code status} and {@code code} are the HTTP status and problem {@code code} (or
 * the check's {@code code}); for outbox cells they are the final task status and incident state.
 * Lines go to stdout and are appended to {@code target/fault-cells.txt}.
 * <p>
 * Run the fault suite alone with {@code ./mvnw test -Dtest='io.oncallapprover.faults.*Test'} and
 * collect the lines with {@code grep FAULT-CELL}.
 */
public final class FaultCells {

    private static final Path FILE = Path.of("target", "fault-cells.txt");

    private FaultCells() {
    }

    public static String record(String name, Object status, Object code, long millis, long incidentIoCalls, String extra) {
        String line = "FAULT-CELL name=" + name + " status=" + status + " code=" + code + " millis=" + millis
                + " incidentio_calls=" + incidentIoCalls + (extra == null || extra.isBlank() ? "" : " " + extra);
        System.out.println(line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("(could not append to " + FILE + ": " + e + ")");
        }
        return line;
    }

    public static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
