package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    /** The choice of the Gateway API: a copy of deployment/ whose production overlay lists httproute.yaml instead. */
    @Test
    void kubectlKustomizeRendersTheHttpRouteChoiceTheSame(@TempDir Path copy) throws Exception {
        assumeTrue(kubectlOutput(List.of("kubectl", "version", "--client")) != null, "kubectl is not installed");
        Path deployment = Path.of("deployment");
        try (java.util.stream.Stream<Path> files = Files.walk(deployment)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(deployment.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        Path kustomization = copy.resolve("overlays/production/kustomization.yaml");
        String listed = Files.readString(kustomization);
        assertThat(listed).contains("\n  - " + KubernetesManifestsTest.INGRESS_FILE + "\n");
        Files.writeString(kustomization, listed.replace("\n  - " + KubernetesManifestsTest.INGRESS_FILE + "\n",
                "\n  - " + KubernetesManifestsTest.HTTPROUTE_FILE + "\n"));
        String rendered = kubectlOutput(List.of("kubectl", "kustomize", copy.resolve("overlays/production").toString()));
        assertThat(rendered).as("kubectl kustomize of the HTTPRoute choice").isNotNull();
        assertThat(byId(StrictKubernetesYaml.readDocuments(rendered, "kubectl kustomize (HTTPRoute)")))
                .isEqualTo(byId(Kustomize.build(KubernetesManifestsTest.PRODUCTION,
                        new Kustomize.Inventory(new java.util.LinkedHashSet<>(), new java.util.LinkedHashSet<>()),
                        Kustomize.swapResource(KubernetesManifestsTest.INGRESS_FILE, KubernetesManifestsTest.HTTPROUTE_FILE))));
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
