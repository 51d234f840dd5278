package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.smallrye.config.WithDefault;

/**
 * deployment/ as Kubernetes would take it: the base and the production overlay are rendered (the kustomize
 * subset of {@link Kustomize}), every object is strictly validated against the Kubernetes schema
 * ({@link StrictKubernetesYaml}), and the objects are checked against each other and against the application:
 * selectors, ports, probes, the Secret, the shutdown budget, resources, autoscaling, network policy.
 */
class KubernetesManifestsTest {

    static final Path DEPLOYMENT = Path.of("deployment");
    static final Path BASE = DEPLOYMENT.resolve("base");
    static final Path PRODUCTION = DEPLOYMENT.resolve("overlays/production");
    /** The Prometheus Operator's objects, applied apart where the Operator runs (PrometheusMonitoringTest). */
    static final Path MONITORING = DEPLOYMENT.resolve("monitoring");
    static final Path SECRET_EXAMPLE = DEPLOYMENT.resolve("secret.example.yaml");
    static final Path APPLICATION_PROPERTIES = Path.of("src/main/resources/application.properties");

    /** Measured: 290-310 MB RSS of the JVM service in prod mode (deployment/README.md). */
    static final long MEASURED_RSS_BYTES = 310_000_000L;
    /**
     * Memory the JVM needs outside the heap (metaspace, code cache, thread stacks, Netty's direct buffers):
     * an allowance, not a measurement, so that heap growth cannot take the container over its limit.
     */
    static final long NON_HEAP_ALLOWANCE_BYTES = 192L << 20;
    /** queue.LeasedQueues waits at most 5 s for the updates that hand back the leases (all queues at once). */
    static final Duration LEASE_RELEASE_BOUND = Duration.ofSeconds(5);
    /** PostgreSQL's default max_connections: every replica's pools must fit into it together. */
    static final int POSTGRES_MAX_CONNECTIONS = 100;
    /** The JVM image: its start command reads the variables of IMAGE_ENV. */
    static final Path JVM_DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");
    /** Variables of the JVM image's start command that the Deployment may set. */
    static final Set<String> IMAGE_ENV = Set.of("JAVA_OPTS");
    /** The heap's share of the container's memory, as JAVA_OPTS sets it. */
    static final Pattern MAX_RAM_PERCENTAGE = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)\\b");

    static final Set<Class<? extends HasMetadata>> EXPECTED_KINDS = Set.of(ServiceAccount.class, Deployment.class,
            Service.class, PodDisruptionBudget.class, HorizontalPodAutoscaler.class, NetworkPolicy.class);

    /** The production overlay's public webhook route: the file it lists, and the alternative an operator swaps in. */
    static final String INGRESS_FILE = "ingress.yaml";
    static final String HTTPROUTE_FILE = "httproute.yaml";

    /** One rendering of a kustomization, strictly validated; {@code route} is its public route's kind, if any. */
    record Rendered(String name, List<HasMetadata> objects, Class<? extends HasMetadata> route) {
        <T extends HasMetadata> T one(Class<T> type) {
            List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
            assertThat(found).as(name + ": objects of kind " + type.getSimpleName()).hasSize(1);
            return found.get(0);
        }

        Deployment deployment() {
            return one(Deployment.class);
        }

        PodSpec pod() {
            return deployment().getSpec().getTemplate().getSpec();
        }

        Container container() {
            assertThat(pod().getContainers()).as(name + ": containers").hasSize(1);
            return pod().getContainers().get(0);
        }

        Map<String, String> podLabels() {
            return deployment().getSpec().getTemplate().getMetadata().getLabels();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The objects of the service itself; the migration's (the production overlay's Job) are checked apart. */
    static Rendered render(Path kustomization) {
        return render(kustomization, kustomization.toString(), java.util.function.UnaryOperator.identity(),
                kustomization.equals(PRODUCTION) ? Ingress.class : null);
    }

    /** The production overlay as an operator using the Gateway API edits it: httproute.yaml instead of ingress.yaml. */
    static Rendered renderProductionWithHttpRoute() {
        return render(PRODUCTION, PRODUCTION + " with " + HTTPROUTE_FILE,
                Kustomize.swapResource(INGRESS_FILE, HTTPROUTE_FILE), HTTPRoute.class);
    }

    static Rendered render(Path kustomization, String name, java.util.function.UnaryOperator<com.fasterxml.jackson.databind.node.ObjectNode> edit,
            Class<? extends HasMetadata> route) {
        List<HasMetadata> objects = Kustomize.build(kustomization,
                new Kustomize.Inventory(new LinkedHashSet<>(), new LinkedHashSet<>()), edit).stream()
                .map(node -> StrictKubernetesYaml.toModel(node, name + " → " + Kustomize.id(node)))
                .filter(o -> !KubernetesMigrationJobTest.isMigration(o))
                .toList();
        return new Rendered(name, objects, route);
    }

    /** Every object, each strictly validated. */
    static List<HasMetadata> renderAll(Path kustomization) {
        return Kustomize.build(kustomization).stream()
                .map(node -> StrictKubernetesYaml.toModel(node, kustomization + " → " + Kustomize.id(node)))
                .toList();
    }

    static Stream<Rendered> renderings() {
        return Stream.of(render(BASE), render(PRODUCTION), renderProductionWithHttpRoute());
    }

    // --- schema --------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void rendersOneOfEachExpectedKindAllValid(Rendered rendered) {
        Set<Class<? extends HasMetadata>> expected = new java.util.HashSet<>(EXPECTED_KINDS);
        if (rendered.route() != null) {
            expected.add(rendered.route());
        }
        assertThat(rendered.objects().stream().map(Object::getClass).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(rendered.objects()).hasSameSizeAs(expected);
        assertThat(rendered.objects()).allSatisfy(o -> assertThat(o.getMetadata().getName()).isEqualTo("oncall-approver"));
    }

    @Test
    void everyYamlFileUnderDeploymentIsRenderedOrValidated() throws IOException {
        Kustomize.Inventory inventory = new Kustomize.Inventory(new LinkedHashSet<>(), new LinkedHashSet<>());
        Kustomize.build(BASE, inventory);
        Kustomize.build(PRODUCTION, inventory);
        Kustomize.build(PRODUCTION, inventory, Kustomize.swapResource(INGRESS_FILE, HTTPROUTE_FILE));
        Kustomize.build(MONITORING, inventory);
        Set<Path> accounted = new TreeSet<>();
        accounted.addAll(inventory.resources());
        accounted.addAll(inventory.patches());
        accounted.add(BASE.resolve("kustomization.yaml").toAbsolutePath().normalize());
        accounted.add(PRODUCTION.resolve("kustomization.yaml").toAbsolutePath().normalize());
        accounted.add(MONITORING.resolve("kustomization.yaml").toAbsolutePath().normalize());
        accounted.add(SECRET_EXAMPLE.toAbsolutePath().normalize());
        Set<Path> present;
        try (Stream<Path> files = Files.walk(DEPLOYMENT)) {
            present = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .map(f -> f.toAbsolutePath().normalize()).collect(Collectors.toCollection(TreeSet::new));
        }
        // a manifest nobody lists would be neither applied nor checked
        assertThat(present).containsExactlyInAnyOrderElementsOf(accounted);
        // and the example Secret is a valid Secret too
        assertThat(StrictKubernetesYaml.parse(Kustomize.read(SECRET_EXAMPLE), SECRET_EXAMPLE.toString()))
                .singleElement().isInstanceOf(Secret.class);
    }

    // --- selectors and references ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everySelectorSelectsTheDeploymentsPods(Rendered r) {
        Map<String, String> pod = r.podLabels();
        assertSelects(r.deployment().getSpec().getSelector(), pod, "Deployment selector");
        assertSelects(new LabelSelector(null, r.one(Service.class).getSpec().getSelector()), pod, "Service selector");
        assertSelects(r.one(PodDisruptionBudget.class).getSpec().getSelector(), pod, "PodDisruptionBudget selector");
        assertSelects(r.one(NetworkPolicy.class).getSpec().getPodSelector(), pod, "NetworkPolicy podSelector");
        for (TopologySpreadConstraint constraint : r.pod().getTopologySpreadConstraints()) {
            assertSelects(constraint.getLabelSelector(), pod, "topology spread on " + constraint.getTopologyKey());
        }
        var target = r.one(HorizontalPodAutoscaler.class).getSpec().getScaleTargetRef();
        assertThat(List.of(target.getApiVersion(), target.getKind(), target.getName()))
                .as("HorizontalPodAutoscaler scaleTargetRef")
                .containsExactly("apps/v1", "Deployment", r.deployment().getMetadata().getName());
    }

    private static void assertSelects(LabelSelector selector, Map<String, String> podLabels, String what) {
        assertThat(selector).as(what).isNotNull();
        assertThat(selector.getMatchExpressions()).as(what + ": matchExpressions (not checked here)").isNullOrEmpty();
        assertThat(selector.getMatchLabels()).as(what).isNotEmpty();
        assertThat(podLabels).as(what + " must select the pod template's labels")
                .containsAllEntriesOf(selector.getMatchLabels());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void podsRunAsTheServiceAccountWithoutAnApiToken(Rendered r) {
        ServiceAccount account = r.one(ServiceAccount.class);
        assertThat(r.pod().getServiceAccountName()).isEqualTo(account.getMetadata().getName());
        assertThat(account.getAutomountServiceAccountToken()).as("ServiceAccount automountServiceAccountToken")
                .isFalse();
        assertThat(r.pod().getAutomountServiceAccountToken()).as("pod automountServiceAccountToken").isFalse();
        assertThat(r.pod().getEnableServiceLinks()).as("enableServiceLinks (ONCALL_APPROVER_* variables)").isFalse();
    }

    // --- the application's ports, probes and configuration ---------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void portsProbesAndMetricsPointAtTheApplication(Rendered r) {
        Container container = r.container();
        AppConfig config = AppConfig.of(container);
        int httpPort = Integer.parseInt(config.value("quarkus.http.port"));
        int managementPort = Integer.parseInt(config.value("quarkus.management.port"));
        assertThat(config.value("quarkus.management.enabled")).as("health and metrics on a port of their own")
                .isEqualTo("true");
        assertThat(managementPort).as("quarkus.management.port").isNotEqualTo(httpPort);
        assertThat(container.getPorts()).as("container ports").extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("http", httpPort),
                        org.assertj.core.groups.Tuple.tuple("management", managementPort));
        // The probes read the management port: the API port no longer serves /q/health (404 there).
        Map<String, Probe> probes = Map.of("/q/health/started", container.getStartupProbe(),
                "/q/health/live", container.getLivenessProbe(), "/q/health/ready", container.getReadinessProbe());
        probes.forEach((path, probe) -> {
            assertThat(probe).as("probe " + path).isNotNull();
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get).as("probe " + path + " is an HTTP GET").isNotNull();
            assertThat(get.getPath()).isEqualTo(path);
            assertThat(resolvePort(get.getPort(), container)).as("port of probe " + path).isEqualTo(managementPort);
        });
        Map<String, String> annotations = r.deployment().getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", config.value("quarkus.micrometer.export.prometheus.path"))
                .containsEntry("prometheus.io/port", String.valueOf(managementPort));
        // The Service's ports, by name: a ServiceMonitor scrapes the one named "management".
        Map<String, Integer> servicePorts = new HashMap<>();
        for (ServicePort port : r.one(Service.class).getSpec().getPorts()) {
            servicePorts.put(port.getName(), resolvePort(port.getTargetPort(), container));
        }
        assertThat(servicePorts).as("Service ports → container ports")
                .isEqualTo(Map.of("http", httpPort, "management", managementPort));
        for (NetworkPolicyIngressRule rule : r.one(NetworkPolicy.class).getSpec().getIngress()) {
            assertThat(rule.getPorts()).as("every ingress rule names its port").isNotEmpty();
            for (NetworkPolicyPort port : rule.getPorts()) {
                assertThat(resolvePort(port.getPort(), container)).as("NetworkPolicy ingress port")
                        .isIn(httpPort, managementPort);
            }
        }
    }

    /** A named or numbered port of the container; fails when the name is not one of its ports. */
    static int resolvePort(IntOrString port, Container container) {
        assertThat(port).as("port").isNotNull();
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named '" + port.getStrVal() + "'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void secretsComeFromTheSecretByKey(Rendered r) {
        Secret example = (Secret) StrictKubernetesYaml.parse(Kustomize.read(SECRET_EXAMPLE), SECRET_EXAMPLE.toString())
                .get(0);
        Set<String> exampleKeys = new TreeSet<>();
        if (example.getStringData() != null) {
            exampleKeys.addAll(example.getStringData().keySet());
        }
        if (example.getData() != null) {
            exampleKeys.addAll(example.getData().keySet());
        }
        // The DDL role's keys are the migration Job's alone (KubernetesMigrationJobTest).
        exampleKeys.removeAll(KubernetesMigrationJobTest.MIGRATION_ONLY_KEYS);
        Container container = r.container();
        assertThat(container.getEnvFrom()).as("envFrom (every key is listed instead)").isNullOrEmpty();
        Map<String, SecretKeySelector> fromSecret = new HashMap<>();
        for (EnvVar env : container.getEnv()) {
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                fromSecret.put(env.getName(), env.getValueFrom().getSecretKeyRef());
            }
        }
        assertThat(fromSecret.values()).as("secretKeyRef").allSatisfy(ref -> {
            assertThat(ref.getName()).as("secretKeyRef name").isEqualTo(example.getMetadata().getName());
            assertThat(ref.getOptional()).as("secretKeyRef optional").isNotEqualTo(Boolean.TRUE);
        });
        assertThat(fromSecret.values().stream().map(SecretKeySelector::getKey).collect(Collectors.toSet()))
                .as("the keys the Deployment reads = the keys of deployment/secret.example.yaml")
                .containsExactlyInAnyOrderElementsOf(exampleKeys);
        // Every environment variable the application reads for the database and the master keys is a secret.
        Set<String> secretVariables = AppConfig.placeholdersOf(k -> k.startsWith("quarkus.datasource.")
                || k.startsWith("oncall.secrets."));
        assertThat(secretVariables).contains("DB_PASSWORD", "SECRETS_MASTER_KEYS");
        assertThat(fromSecret.keySet()).as("variables from the Secret").containsAll(secretVariables);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyEnvironmentVariableIsOneTheApplicationOrImageReads(Rendered r) {
        Set<String> known = new TreeSet<>(IMAGE_ENV);
        known.addAll(AppConfig.mentionedVariables());
        AppConfig.PROPERTIES.stringPropertyNames().stream().filter(k -> !k.startsWith("%"))
                .map(AppConfig::envName).forEach(known::add);
        Set<String> names = new LinkedHashSet<>();
        for (EnvVar env : r.container().getEnv()) {
            assertThat(names.add(env.getName())).as("environment variable " + env.getName() + " set twice").isTrue();
            assertThat(known).as("environment variable " + env.getName()
                    + " is one application.properties or the image reads (a typo?)").contains(env.getName());
        }
    }

    @Test
    void theJvmImageReadsTheVariablesTheDeploymentSetsForItAndStartsWithItsAotCache() throws IOException {
        String dockerfile = Files.readString(JVM_DOCKERFILE);
        for (String variable : IMAGE_ENV) {
            assertThat(dockerfile).as(JVM_DOCKERFILE + " passes " + variable + " to java").contains("$" + variable + " ");
        }
        assertThat(dockerfile).as("the image ships its AOT cache and starts with it")
                .contains("target/quarkus-app/app.aot /deployments/app.aot")
                .containsPattern("ENTRYPOINT .*-XX:AOTCache=/deployments/app.aot");
    }

    // --- shutdown --------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void gracePeriodCoversPreStopAndTheGracefulShutdown(Rendered r) {
        AppConfig config = AppConfig.of(r.container());
        Duration preStop = Duration.ofSeconds(preStopSleepSeconds(r.container()));
        Duration httpDrain = duration(config.value("quarkus.shutdown.timeout"));
        Duration shutdownDelay = Boolean.parseBoolean(config.value("quarkus.shutdown.delay-enabled"))
                ? duration(config.value("quarkus.shutdown.delay"))
                : Duration.ZERO;
        Duration outbox = duration(config.valueOrDefault("oncall.incidents.shutdown-wait",
                "io.oncallapprover.escalation.EscalationConfig", "shutdownWait"));
        // Quarkus runs the shutdown listeners (HTTP drain) before the ShutdownEvent observers (outbox worker).
        Duration worstCase = preStop.plus(shutdownDelay).plus(httpDrain).plus(outbox).plus(LEASE_RELEASE_BOUND);
        assertThat(preStop).as("preStop sleep").isPositive();
        assertThat(httpDrain).as("quarkus.shutdown.timeout").isPositive();
        assertThat(Duration.ofSeconds(r.pod().getTerminationGracePeriodSeconds()))
                .as("terminationGracePeriodSeconds > preStop %s + shutdown delay %s + quarkus.shutdown.timeout %s"
                        + " + oncall.incidents.shutdown-wait %s + lease release %s", preStop, shutdownDelay,
                        httpDrain, outbox, LEASE_RELEASE_BOUND)
                .isGreaterThan(worstCase);
    }

    /** The preStop pause: the sleep handler, or an exec of sleep (images with a shell). */
    static long preStopSleepSeconds(Container container) {
        assertThat(container.getLifecycle()).as("lifecycle").isNotNull();
        LifecycleHandler preStop = container.getLifecycle().getPreStop();
        assertThat(preStop).as("preStop").isNotNull();
        if (preStop.getSleep() != null) {
            return preStop.getSleep().getSeconds();
        }
        assertThat(preStop.getExec()).as("preStop is a sleep or an exec of sleep").isNotNull();
        String command = String.join(" ", preStop.getExec().getCommand());
        Matcher sleep = Pattern.compile("(?:^|[ /])sleep (\\d+)$").matcher(command);
        assertThat(sleep.find()).as("preStop exec '" + command + "' is a sleep").isTrue();
        return Long.parseLong(sleep.group(1));
    }

    /** A Quarkus duration: "10s", "1500ms", "2.5s", "PT10S", or a number of seconds. */
    static Duration duration(String value) {
        assertThat(value).as("duration").isNotBlank();
        String v = value.trim();
        if (v.startsWith("P") || v.startsWith("p")) {
            return Duration.parse(v);
        }
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("d")) {
            return Duration.parse("P" + v.toUpperCase());
        }
        return Duration.parse("PT" + v.toUpperCase());
    }

    // --- resources and scaling -------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void resourcesFollowTheMeasuredFigures(Rendered r) {
        Container container = r.container();
        var resources = container.getResources();
        long memoryRequest = bytes(resources.getRequests().get("memory"));
        long memoryLimit = bytes(resources.getLimits().get("memory"));
        assertThat(memoryRequest).as("memory request covers the measured RSS").isGreaterThanOrEqualTo(MEASURED_RSS_BYTES);
        assertThat(memoryLimit).as("memory limit").isGreaterThan(memoryRequest);
        assertThat(resources.getRequests()).as("a CPU request (the autoscaler's unit)").containsKey("cpu");
        assertThat(Quantity.getAmountInBytes(resources.getRequests().get("cpu"))).as("cpu request").isPositive();
        String javaOpts = AppConfig.of(container).env().getOrDefault("JAVA_OPTS", "");
        Matcher ratio = MAX_RAM_PERCENTAGE.matcher(javaOpts);
        assertThat(ratio.find()).as("JAVA_OPTS sets -XX:MaxRAMPercentage (the heap's share of the memory limit): "
                + javaOpts).isTrue();
        long heapMax = memoryLimit * Long.parseLong(ratio.group(1)) / 100;
        assertThat(memoryLimit - heapMax).as("memory limit left outside the largest heap")
                .isGreaterThanOrEqualTo(NON_HEAP_ALLOWANCE_BYTES);
    }

    private static long bytes(Quantity quantity) {
        assertThat(quantity).as("quantity").isNotNull();
        BigDecimal amount = Quantity.getAmountInBytes(quantity);
        return amount.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void theAutoscalerOwnsTheReplicasWithinTheDatabaseBudget(Rendered r) {
        HorizontalPodAutoscaler hpa = r.one(HorizontalPodAutoscaler.class);
        assertThat(r.deployment().getSpec().getReplicas()).as("Deployment replicas (the autoscaler's)").isNull();
        int min = hpa.getSpec().getMinReplicas();
        int max = hpa.getSpec().getMaxReplicas();
        assertThat(min).as("minReplicas").isGreaterThanOrEqualTo(2);
        assertThat(max).as("maxReplicas").isGreaterThanOrEqualTo(min);
        for (MetricSpec metric : hpa.getSpec().getMetrics()) {
            if ("Resource".equals(metric.getType())) {
                assertThat(r.container().getResources().getRequests())
                        .as("a utilization target needs the request of " + metric.getResource().getName())
                        .containsKey(metric.getResource().getName());
            }
        }
        AppConfig config = AppConfig.of(r.container());
        // the reactive pool, the LISTEN connection of the organization snapshots (when on), Flyway's pool
        boolean snapshots = Boolean.parseBoolean(config.valueOrDefault("oncall.snapshot.enabled",
                "io.oncallapprover.organization.SnapshotConfig", "enabled"));
        int perReplica = Integer.parseInt(config.value("quarkus.datasource.reactive.max-size")) + (snapshots ? 1 : 0)
                + Integer.parseInt(config.value("quarkus.datasource.jdbc.max-size"));
        assertThat(max * perReplica).as("maxReplicas x PostgreSQL connections per replica (%d)", perReplica)
                .isLessThanOrEqualTo(POSTGRES_MAX_CONNECTIONS);
        // no replica count anywhere: the replicas divide the incident.io budget through leases in the database
        assertThat(r.container().getEnv()).extracting(EnvVar::getName).doesNotContain("INCIDENTIO_BUDGET_REPLICAS");
        assertThat(config.value("oncall.incidentio.budget.replicas")).as("no replica count in the configuration").isNull();
        IntOrString maxUnavailable = r.one(PodDisruptionBudget.class).getSpec().getMaxUnavailable();
        assertThat(maxUnavailable).as("PodDisruptionBudget maxUnavailable").isNotNull();
        assertThat(maxUnavailable.getIntVal()).as("PodDisruptionBudget maxUnavailable (pods)").isNotNull()
                .isPositive().isLessThan(min);
        assertThat(r.pod().getTopologySpreadConstraints()).extracting(TopologySpreadConstraint::getTopologyKey)
                .contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    }

    // --- network ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void networkPolicyAllowsCallersDnsPostgresAndIncidentIo(Rendered r) {
        NetworkPolicy policy = r.one(NetworkPolicy.class);
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).as("ingress rules").isNotEmpty().allSatisfy(rule ->
                assertThat(rule.getFrom()).as("every ingress rule names its peers").isNotEmpty()
                        .allSatisfy(peer -> assertThat(peer.getNamespaceSelector()).isNotNull()));
        Set<String> egress = new TreeSet<>();
        for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
            assertThat(rule.getTo()).as("every egress rule names its destinations").isNotEmpty();
            assertThat(rule.getPorts()).as("every egress rule names its ports").isNotEmpty();
            for (NetworkPolicyPort port : rule.getPorts()) {
                egress.add(port.getProtocol() + "/" + port.getPort().getIntVal());
            }
        }
        assertThat(egress).as("egress: DNS, PostgreSQL, HTTPS (incident.io)")
                .containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/5432", "TCP/443");
        NetworkPolicyEgressRule https = policy.getSpec().getEgress().stream()
                .filter(rule -> rule.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 443))
                .findFirst().orElseThrow();
        assertThat(https.getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
            assertThat(peer.getIpBlock().getExcept()).as("HTTPS egress excludes the private ranges")
                    .contains("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16");
        });
    }

    // --- production --------------------------------------------------------------------------------------

    @Test
    void productionImageComesFromTheRegistryAndEveryObjectFromTheNamespace() {
        Rendered base = render(BASE);
        Rendered production = render(PRODUCTION);
        String image = production.container().getImage();
        Matcher reference = Pattern.compile("(?<registry>[^/]+)/(?<path>[^:@]+)(?::(?<tag>[\\w][\\w.-]*)|@(?<digest>sha256:[0-9a-f]{64}))")
                .matcher(image);
        assertThat(reference.matches()).as("production image '" + image + "' is registry/name:tag or @sha256:digest")
                .isTrue();
        assertThat(reference.group("registry")).as("registry host").containsAnyOf(".", ":");
        assertThat(reference.group("path")).endsWith("oncall-approver");
        assertThat(reference.group("tag")).as("tag").isNotEqualTo("latest");
        assertThat(image).isNotEqualTo(base.container().getImage());

        assertThat(base.objects()).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isNull());
        Set<String> namespaces = production.objects().stream().map(o -> o.getMetadata().getNamespace())
                .collect(Collectors.toSet());
        assertThat(namespaces).singleElement().isNotNull();
    }

    // --- application.properties -------------------------------------------------------------------------

    /** application.properties (prod profile) as the container sees it: its environment variables win. */
    record AppConfig(Map<String, String> env) {
        static final Properties PROPERTIES = load();
        private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([^}]*))?}");

        static AppConfig of(Container container) {
            Map<String, String> env = new HashMap<>();
            for (EnvVar var : container.getEnv()) {
                env.put(var.getName(), var.getValue()); // null when from a Secret
            }
            return new AppConfig(env);
        }

        /** The value of a key: the container's variable for it, else the file's (placeholders resolved). */
        String value(String key) {
            String envName = envName(key);
            if (env.containsKey(envName)) {
                return env.get(envName);
            }
            String raw = PROPERTIES.getProperty(key);
            if (raw == null) {
                return null;
            }
            Matcher placeholder = PLACEHOLDER.matcher(raw);
            StringBuilder resolved = new StringBuilder();
            while (placeholder.find()) {
                String value = env.containsKey(placeholder.group(1)) ? env.get(placeholder.group(1))
                        : placeholder.group(2) == null ? "" : placeholder.group(2);
                placeholder.appendReplacement(resolved, Matcher.quoteReplacement(value));
            }
            placeholder.appendTail(resolved);
            return resolved.toString();
        }

        /** {@link #value}, else the {@code @WithDefault} of the config mapping's method. */
        String valueOrDefault(String key, String mapping, String method) {
            String value = value(key);
            if (value != null) {
                return value;
            }
            try {
                WithDefault fallback = Class.forName(mapping).getMethod(method).getAnnotation(WithDefault.class);
                assertThat(fallback).as(key + ": no value and no default").isNotNull();
                return fallback.value();
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(key + ": no default found in " + mapping, e);
            }
        }

        /** Environment variables named in the placeholders of the (prod) keys that {@code keys} accepts. */
        static Set<String> placeholdersOf(java.util.function.Predicate<String> keys) {
            Set<String> names = new TreeSet<>();
            for (String key : PROPERTIES.stringPropertyNames()) {
                if (!key.startsWith("%") && keys.test(key)) {
                    Matcher m = PLACEHOLDER.matcher(PROPERTIES.getProperty(key));
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
            return names;
        }

        /** Every VARIABLE_NAME the file mentions: placeholders and the documented ones in its comments. */
        static Set<String> mentionedVariables() {
            Set<String> names = new TreeSet<>();
            Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)|\\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\\b")
                    .matcher(Kustomize.read(APPLICATION_PROPERTIES));
            while (m.find()) {
                names.add(m.group(1) != null ? m.group(1) : m.group(2));
            }
            return names;
        }

        /** The environment variable SmallRye Config reads for a key. */
        static String envName(String key) {
            return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
        }

        private static Properties load() {
            Properties properties = new Properties();
            try {
                properties.load(new StringReader(Kustomize.read(APPLICATION_PROPERTIES)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return properties;
        }
    }
}
