package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.oncallapprover.deployment.StrictKubernetesYaml.ManifestException;

/**
 * The validation and the renderer refuse what Kubernetes or kustomize would refuse, or would silently
 * misread: each case is a valid manifest with one typo, and the valid manifest itself passes.
 */
class KubernetesStrictnessTest {

    static final String VALID = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
              labels:
                app.kubernetes.io/name: demo
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app.kubernetes.io/name: demo
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: demo
                  annotations:
                    prometheus.io/port: "8080"
                spec:
                  containers:
                    - name: demo
                      image: demo:1
                      imagePullPolicy: IfNotPresent
                      ports:
                        - name: http
                          containerPort: 8080
                          protocol: TCP
                      env:
                        - name: JAVA_MAX_MEM_RATIO
                          value: "50"
                      resources:
                        requests:
                          cpu: 250m
                          memory: 384Mi
                      lifecycle:
                        preStop:
                          sleep:
                            seconds: 5
            """;

    @Test
    void theValidManifestPasses() {
        assertThat(StrictKubernetesYaml.parse(VALID, "valid")).singleElement().isInstanceOfSatisfying(Deployment.class,
                d -> assertThat(d.getSpec().getReplicas()).isEqualTo(2));
    }

    static Stream<Arguments> typos() {
        return Stream.of(
                Arguments.of("misspelt field", "  replicas: 2", "  replcas: 2", "replcas"),
                Arguments.of("misspelt nested field", "containerPort: 8080", "containerPrt: 8080", "containerPrt"),
                Arguments.of("a field at the wrong level", "          imagePullPolicy: IfNotPresent",
                        "          imagePullPolicy: IfNotPresent\n          cpu: 250m", "cpu"),
                Arguments.of("not a number", "containerPort: 8080", "containerPort: \"abc\"", "containerPort"),
                Arguments.of("a number as a string", "containerPort: 8080", "containerPort: \"8080\"",
                        "containerPort"),
                Arguments.of("a number where a string belongs", "value: \"50\"", "value: 50", "value"),
                Arguments.of("an unquoted annotation number", "prometheus.io/port: \"8080\"",
                        "prometheus.io/port: 8080", "prometheus.io/port"),
                Arguments.of("not a quantity", "memory: 384Mi", "memory: 384Mo", "384Mo"),
                Arguments.of("not an enumerated value", "protocol: TCP", "protocol: TCPP", "TCPP"),
                Arguments.of("misspelt pull policy", "imagePullPolicy: IfNotPresent",
                        "imagePullPolicy: IfNotPresnt", "IfNotPresnt"),
                Arguments.of("an invalid label value", "    app.kubernetes.io/name: demo\nspec:",
                        "    app.kubernetes.io/name: demo app\nspec:", "label value"),
                Arguments.of("a port name too long", "name: http", "name: http-port-for-the-api", "port name"),
                Arguments.of("an unknown apiVersion", "apiVersion: apps/v1", "apiVersion: apps/v1beta2", "apps/v1beta2"),
                Arguments.of("a duplicate key", "  replicas: 2", "  replicas: 2\n  replicas: 3", "replicas"),
                Arguments.of("an invalid name", "  name: demo\n  labels", "  name: Demo_1\n  labels", "Demo_1"),
                Arguments.of("a sleep without seconds", "seconds: 5", "secs: 5", "secs"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("typos")
    void aTypoIsRefused(String what, String from, String to, String mentioned) {
        assertThat(VALID).contains(from);
        String typo = VALID.replace(from, to);
        assertThatThrownBy(() -> StrictKubernetesYaml.parse(typo, what)).isInstanceOf(ManifestException.class)
                .hasMessageContaining(mentioned);
    }

    // --- the renderer ---------------------------------------------------------------------------------

    @TempDir
    Path dir;

    private Path overlay(String kustomization, String... files) throws IOException {
        Path base = Files.createDirectories(dir.resolve("base"));
        Files.writeString(base.resolve("deployment.yaml"), VALID);
        Files.writeString(base.resolve("kustomization.yaml"), "resources:\n  - deployment.yaml\n");
        Path overlay = Files.createDirectories(dir.resolve("overlay"));
        Files.writeString(overlay.resolve("kustomization.yaml"), kustomization);
        for (int i = 0; i < files.length; i += 2) {
            Files.writeString(overlay.resolve(files[i]), files[i + 1]);
        }
        return overlay;
    }

    private static final String TARGET = "    target:\n      group: apps\n      version: v1\n      kind: Deployment\n"
            + "      name: demo\n";

    @Test
    void theRendererAppliesNamespaceImagesAndJsonPatches() throws IOException {
        Path overlay = overlay("""
                namespace: prod
                resources:
                  - ../base
                images:
                  - name: demo
                    newName: registry.example.com/team/demo
                    newTag: "2.0"
                patches:
                  - path: replicas.yaml
                """ + TARGET, "replicas.yaml", """
                - op: test
                  path: /spec/replicas
                  value: 2
                - op: replace
                  path: /spec/replicas
                  value: 3
                - op: add
                  path: /spec/template/metadata/labels/tier
                  value: api
                """);
        Deployment deployment = (Deployment) StrictKubernetesYaml.toModel(Kustomize.build(overlay).get(0), "rendered");
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo("prod");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("tier", "api");
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("registry.example.com/team/demo:2.0");
    }

    @Test
    void aMissingResourceIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\n  - service.yaml\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("service.yaml").hasMessageContaining("does not exist");
    }

    @Test
    void aPatchOfNothingIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\npatches:\n  - path: p.yaml\n"
                + TARGET.replace("name: demo", "name: dmeo"), "p.yaml", "- op: remove\n  path: /spec/replicas\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("matches no resource");
    }

    @Test
    void aPatchWhoseTestFailsIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\npatches:\n  - path: p.yaml\n" + TARGET, "p.yaml",
                "- op: test\n  path: /spec/template/spec/containers/0/env/0/name\n  value: JAVA_OPTS\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("test /spec/template/spec/containers/0/env/0/name failed");
    }

    @Test
    void aPatchOfAMissingPathIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\npatches:\n  - path: p.yaml\n" + TARGET, "p.yaml",
                "- op: replace\n  path: /spec/template/spec/containers/1/image\n  value: x\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void anImageEntryMatchingNoContainerIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\nimages:\n  - name: dmeo\n    newName: r.example.com/demo\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("matches no container");
    }

    @Test
    void aKustomizationFieldTheRendererDoesNotKnowIsRefused() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\ncommonLabels:\n  team: a\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("'commonLabels' is not supported");
        Path misspelt = overlay("resources:\n  - ../base\nimage:\n  - name: demo\n");
        assertThatThrownBy(() -> Kustomize.build(misspelt)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("'image' is not supported");
    }

    @Test
    void aStrategicMergePatchIsRefusedNotMisapplied() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\npatches:\n  - path: p.yaml\n" + TARGET, "p.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\nspec:\n  replicas: 3\n");
        assertThatThrownBy(() -> Kustomize.build(overlay)).isInstanceOf(ManifestException.class)
                .hasMessageContaining("only JSON 6902 patches");
    }

    @Test
    void aRenderedTypoIsRefusedByTheSchema() throws IOException {
        Path overlay = overlay("resources:\n  - ../base\npatches:\n  - path: p.yaml\n" + TARGET, "p.yaml",
                "- op: add\n  path: /spec/template/spec/terminationGracePeriod\n  value: 45\n");
        var rendered = Kustomize.build(overlay).get(0);
        assertThatThrownBy(() -> StrictKubernetesYaml.toModel(rendered, "rendered"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("terminationGracePeriod");
    }
}
