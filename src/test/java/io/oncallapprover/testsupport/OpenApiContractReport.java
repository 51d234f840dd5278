package io.oncallapprover.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, when the tests of a run are done, how many requests and responses the OpenAPI contract
 * validated (also written to {@code target/openapi-contract.txt}). Registered through
 * {@code META-INF/services}.
 */
public class OpenApiContractReport implements TestExecutionListener {

    private static final Path FILE = Path.of("target", "openapi-contract.txt");

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        String prefix = OpenApiContract.COUNTS + ".";
        Map<String, String> counts = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith(prefix))
                .forEach(name -> counts.put(name.substring(prefix.length()), System.getProperty(name)));
        if (counts.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder("OPENAPI-CONTRACT");
        counts.forEach((what, count) -> line.append(" | ").append(what).append(": ").append(count));
        System.out.println(line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.out.println("(could not write " + FILE + ": " + e + ")");
        }
    }
}
