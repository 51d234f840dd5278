package io.oncallapprover.deployment;

import java.nio.file.Path;
import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** The rendered, strictly validated manifests, for tests outside this package (the packaged migration Job's). */
public final class KubernetesManifests {

    private KubernetesManifests() {
    }

    public static List<HasMetadata> renderProduction() {
        return KubernetesManifestsTest.renderAll(Path.of("deployment/overlays/production"));
    }
}
