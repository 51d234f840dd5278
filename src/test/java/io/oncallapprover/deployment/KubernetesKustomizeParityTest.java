package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * When kubectl is installed, its kustomize renders deployment/ exactly as the test's renderer does: the
 * objects the other tests validate are the ones {@code kubectl apply -k} applies. Skipped without kubectl
 * (the build never needs it).
 */
class KubernetesKustomizeParityTest {

    @ParameterizedTest
    @ValueSource(strings = { "deployment/base", "deployment/overlays/production" })
    void kubectlKustomizeRendersTheSameObjects(String directory) throws Exception {
        String kubectl = kubectlOutput(List.of("kubectl", "version", "--client"));
        assumeTrue(kubectl != null, "kubectl is not installed");
        String rendered = kubectlOutput(List.of("kubectl", "kustomize", directory));
        assertThat(rendered).as("kubectl kustomize " + directory).isNotNull();
        assertThat(byId(StrictKubernetesYaml.readDocuments(rendered, "kubectl kustomize " + directory)))
                .isEqualTo(byId(Kustomize.build(Path.of(directory))));
    }

    private static Map<String, ObjectNode> byId(List<ObjectNode> objects) {
        Map<String, ObjectNode> map = new TreeMap<>();
        objects.forEach(o -> map.put(Kustomize.id(o), o));
        assertThat(map).hasSameSizeAs(objects);
        return map;
    }

    /** The command's standard output, or null when it cannot run or fails. */
    private static String kubectlOutput(List<String> command) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return null;
        }
        try {
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } finally {
            process.destroyForcibly();
        }
    }
}
