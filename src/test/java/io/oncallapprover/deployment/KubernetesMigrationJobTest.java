package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * The migrations of a release in production: a Job of the same image that migrates and exits, as the schema's
 * owner (the Secret's DB_DDL_* keys), while the service's replicas log in as the role that reads and writes
 * rows, with migrate-at-start off. The base (one instance) keeps migrating at start.
 */
class KubernetesMigrationJobTest {

    static final Path BASE = Path.of("deployment/base");
    static final Path PRODUCTION = Path.of("deployment/overlays/production");
    static final Path SECRET_EXAMPLE = Path.of("deployment/secret.example.yaml");

    /** Keys of the Secret that only the migration Job reads: the schema owner's credentials. */
    static final Set<String> MIGRATION_ONLY_KEYS = Set.of("DB_DDL_USERNAME", "DB_DDL_PASSWORD");

    static boolean isMigration(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels != null && "migration".equals(labels.get("app.kubernetes.io/component"));
    }

    private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Map<String, EnvVar> env(Container container) {
        Map<String, EnvVar> env = new TreeMap<>();
        container.getEnv().forEach(e -> assertThat(env.put(e.getName(), e)).as(e.getName() + " set twice").isNull());
        return env;
    }

    private static String secretKey(EnvVar var) {
        assertThat(var.getValueFrom()).as(var.getName() + " from the Secret").isNotNull();
        assertThat(var.getValueFrom().getSecretKeyRef().getName()).isEqualTo("oncall-approver");
        return var.getValueFrom().getSecretKeyRef().getKey();
    }

    @Test
    void theBaseHasNoJobAndItsServiceMigratesAtStart() {
        List<HasMetadata> base = KubernetesManifestsTest.renderAll(BASE);
        assertThat(base).noneMatch(KubernetesMigrationJobTest::isMigration);
        Container service = all(base, Deployment.class).get(0).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(service)).doesNotContainKey("QUARKUS_FLYWAY_MIGRATE_AT_START");
        assertThat(KubernetesManifestsTest.AppConfig.PROPERTIES.getProperty("quarkus.flyway.migrate-at-start")).isEqualTo("true");
    }

    @Test
    void productionMigratesInAJobOfTheSameImageAndTheReplicasDoNot() {
        List<HasMetadata> production = KubernetesManifestsTest.renderAll(PRODUCTION);
        List<Job> jobs = all(production, Job.class);
        assertThat(jobs).singleElement().satisfies(job -> assertThat(isMigration(job)).isTrue());
        Job job = jobs.get(0);
        Deployment deployment = all(production, Deployment.class).get(0);
        Container service = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Container migration = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
        assertThat(env(service).get("QUARKUS_FLYWAY_MIGRATE_AT_START").getValue()).isEqualTo("false");
        Map<String, EnvVar> jobEnv = env(migration);
        assertThat(jobEnv.get("QUARKUS_FLYWAY_MIGRATE_AT_START").getValue()).isEqualTo("true");
        assertThat(jobEnv.get("QUARKUS_INIT_AND_EXIT").getValue()).as("migrate, then exit").isEqualTo("true");
        assertThat(migration.getImage()).as("the release's own image").isEqualTo(service.getImage());
        assertThat(job.getMetadata().getNamespace()).isNotNull().isEqualTo(deployment.getMetadata().getNamespace());
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getBackoffLimit()).as("a lock timeout is tried again").isPositive();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isPositive();
        assertThat(job.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(job.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(migration.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(migration.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(migration.getPorts()).as("it serves nothing").isNullOrEmpty();
        // Every variable is one the application reads, or Quarkus's own quarkus.init-and-exit.
        Set<String> known = new java.util.TreeSet<>(KubernetesManifestsTest.IMAGE_ENV);
        known.addAll(KubernetesManifestsTest.AppConfig.mentionedVariables());
        KubernetesManifestsTest.AppConfig.PROPERTIES.stringPropertyNames().stream().filter(k -> !k.startsWith("%"))
                .map(KubernetesManifestsTest.AppConfig::envName).forEach(known::add);
        known.add(KubernetesManifestsTest.AppConfig.envName("quarkus.init-and-exit"));
        assertThat(known).containsAll(jobEnv.keySet());
    }

    @Test
    void theJobLogsInAsTheSchemasOwnerAndTheReplicasAsTheRoleOfRows() {
        List<HasMetadata> production = KubernetesManifestsTest.renderAll(PRODUCTION);
        Map<String, EnvVar> job = env(all(production, Job.class).get(0).getSpec().getTemplate().getSpec().getContainers().get(0));
        Map<String, EnvVar> service = env(all(production, Deployment.class).get(0).getSpec().getTemplate().getSpec()
                .getContainers().get(0));
        assertThat(secretKey(job.get("DB_USERNAME"))).isEqualTo("DB_DDL_USERNAME");
        assertThat(secretKey(job.get("DB_PASSWORD"))).isEqualTo("DB_DDL_PASSWORD");
        assertThat(secretKey(job.get("DB_JDBC_URL"))).isEqualTo("DB_JDBC_URL");
        assertThat(secretKey(service.get("DB_USERNAME"))).isEqualTo("DB_USERNAME");
        assertThat(secretKey(service.get("DB_PASSWORD"))).isEqualTo("DB_PASSWORD");
        Set<String> serviceKeys = service.values().stream().filter(e -> e.getValueFrom() != null).map(KubernetesMigrationJobTest::secretKey)
                .collect(Collectors.toSet());
        assertThat(serviceKeys).as("the replicas never hold the owner's credentials").doesNotContainAnyElementsOf(MIGRATION_ONLY_KEYS);
        Set<String> jobKeys = job.values().stream().filter(e -> e.getValueFrom() != null).map(KubernetesMigrationJobTest::secretKey)
                .collect(Collectors.toSet());
        // The replicas' keys: the image validates its configuration at start, to migrate and exit too (MigrationJobIT).
        assertThat(jobKeys).containsAll(serviceKeys.stream().filter(k -> k.startsWith("SECRETS_")).toList())
                .doesNotContain("DB_USERNAME", "DB_PASSWORD");
        Secret example = (Secret) StrictKubernetesYaml.parse(Kustomize.read(SECRET_EXAMPLE), SECRET_EXAMPLE.toString()).get(0);
        assertThat(example.getStringData().keySet()).containsAll(jobKeys).containsAll(MIGRATION_ONLY_KEYS);
        assertThat(example.getStringData().get("DB_USERNAME")).isNotEqualTo(example.getStringData().get("DB_DDL_USERNAME"));
    }

    @Test
    void theJobsPodGetsNoTrafficAndReachesOnlyDnsAndPostgres() {
        List<HasMetadata> production = KubernetesManifestsTest.renderAll(PRODUCTION);
        Map<String, String> jobPod = all(production, Job.class).get(0).getSpec().getTemplate().getMetadata().getLabels();
        Service service = all(production, Service.class).get(0);
        assertThat(selects(service.getSpec().getSelector(), jobPod)).as("the Service selects the migration pod").isFalse();
        PodDisruptionBudget pdb = all(production, PodDisruptionBudget.class).get(0);
        assertThat(selects(pdb.getSpec().getSelector(), jobPod)).as("the PDB counts the migration pod").isFalse();
        NetworkPolicy servicePolicy = all(production, NetworkPolicy.class).stream().filter(p -> !isMigration(p)).findFirst()
                .orElseThrow();
        NetworkPolicy migrationPolicy = all(production, NetworkPolicy.class).stream().filter(KubernetesMigrationJobTest::isMigration)
                .findFirst().orElseThrow();
        assertThat(selects(servicePolicy.getSpec().getPodSelector(), jobPod)).isFalse();
        assertThat(selects(migrationPolicy.getSpec().getPodSelector(), jobPod)).isTrue();
        assertThat(migrationPolicy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(migrationPolicy.getSpec().getIngress()).as("no ingress").isNullOrEmpty();
        Set<String> ports = migrationPolicy.getSpec().getEgress().stream().flatMap(r -> r.getPorts().stream())
                .map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).collect(Collectors.toSet());
        assertThat(ports).containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/5432");
        assertThat(postgres(migrationPolicy)).as("PostgreSQL's address, as the service's policy has it")
                .isEqualTo(postgres(servicePolicy));
    }

    private static Object postgres(NetworkPolicy policy) {
        return policy.getSpec().getEgress().stream()
                .filter(r -> r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 5432))
                .map(NetworkPolicyEgressRule::getTo).findFirst().orElseThrow();
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertThat(selector.getMatchExpressions()).isNullOrEmpty();
        return selects(selector.getMatchLabels(), labels);
    }
}
