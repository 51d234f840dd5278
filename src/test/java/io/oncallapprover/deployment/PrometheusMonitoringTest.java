package io.oncallapprover.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.oncallapprover.deployment.PrometheusOperatorKinds.PrometheusRule;
import io.oncallapprover.deployment.PrometheusOperatorKinds.Rule;
import io.oncallapprover.deployment.PrometheusOperatorKinds.ServiceMonitor;
import io.oncallapprover.testsupport.PromQl;

/**
 * deployment/monitoring, strictly validated like the rest of deployment/ and checked against it: the ServiceMonitor
 * selects the Service and scrapes the metrics path on the management port; every alert has a duration, a severity,
 * a summary and a description, and an expression that parses into metric names. Which of those names the service
 * exports is checked by observability.PrometheusRuleMetricsTest, against a running service.
 */
class PrometheusMonitoringTest {

    static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    /** Prometheus' duration syntax. */
    static final Pattern DURATION = Pattern.compile("((\\d+)y)?((\\d+)w)?((\\d+)d)?((\\d+)h)?((\\d+)m)?((\\d+)s)?((\\d+)ms)?");

    static List<HasMetadata> monitoring() {
        return Kustomize.build(KubernetesManifestsTest.MONITORING).stream()
                .map(node -> StrictKubernetesYaml.toModel(node, "deployment/monitoring → " + Kustomize.id(node))).toList();
    }

    static <T> T one(Class<T> type) {
        List<T> found = monitoring().stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("objects of kind " + type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    @Test
    void holdsOneServiceMonitorAndOnePrometheusRuleInTheOverlaysNamespace() {
        List<HasMetadata> objects = monitoring();
        assertThat(objects).hasSize(2);
        String namespace = KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION).deployment().getMetadata()
                .getNamespace();
        assertThat(objects).allSatisfy(o -> {
            assertThat(o.getMetadata().getName()).isEqualTo("oncall-approver");
            assertThat(o.getMetadata().getNamespace()).isEqualTo(namespace);
        });
    }

    @Test
    void theServiceMonitorScrapesTheMetricsPathOfTheServicesPods() throws Exception {
        ServiceMonitor monitor = one(ServiceMonitor.class);
        Service service = KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION).one(Service.class);
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(monitor.spec().selector().getMatchLabels());
        assertThat(monitor.spec().endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.port()).isEqualTo("management");
            java.util.Properties properties = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(KubernetesManifestsTest.APPLICATION_PROPERTIES)) {
                properties.load(in);
            }
            assertThat(endpoint.path()).isEqualTo(properties.getProperty("quarkus.micrometer.export.prometheus.path"));
            assertThat(DURATION.matcher(endpoint.interval()).matches()).isTrue();
        });
    }

    /**
     * With the management interface on (quarkus.management.enabled), the Service must offer the port the
     * ServiceMonitor scrapes. Before it is, metrics are on the API port and there is nothing to check.
     */
    @Test
    void theServiceHasThePortTheServiceMonitorNames() throws Exception {
        java.util.Properties properties = new java.util.Properties();
        try (var in = java.nio.file.Files.newBufferedReader(KubernetesManifestsTest.APPLICATION_PROPERTIES)) {
            properties.load(in);
        }
        assumeTrue("true".equals(properties.getProperty("quarkus.management.enabled")),
                "the management interface is not enabled in application.properties yet");
        Service service = KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION).one(Service.class);
        Set<String> ports = new HashSet<>(service.getSpec().getPorts().stream().map(ServicePort::getName).toList());
        assertThat(ports).as("Service ports").contains(one(ServiceMonitor.class).spec().endpoints().get(0).port());
    }

    @Test
    void everyAlertSaysHowLongHowBadWhatAndWhy() {
        PrometheusRule rules = one(PrometheusRule.class);
        List<Rule> all = rules.spec().groups().stream().flatMap(g -> g.rules().stream()).toList();
        assertThat(all).hasSizeGreaterThanOrEqualTo(6);
        Set<String> names = new HashSet<>();
        for (Rule rule : all) {
            assertThat(rule.alert()).as("every rule is an alert").isNotBlank();
            assertThat(names.add(rule.alert())).as("alert names are unique: " + rule.alert()).isTrue();
            assertThat(rule.forDuration()).as(rule.alert() + " for:").isNotBlank().matches(DURATION);
            assertThat(rule.labels()).as(rule.alert() + " labels").containsKey("severity");
            assertThat(SEVERITIES).as(rule.alert() + " severity").contains(rule.labels().get("severity"));
            assertThat(rule.annotations()).as(rule.alert() + " annotations").containsKeys("summary", "description");
            assertThat(rule.annotations().values()).allSatisfy(text -> assertThat(text).isNotBlank());
            assertThat(PromQl.metricNames(rule.expr())).as(rule.alert() + " reads a metric").isNotEmpty();
            assertThat(balanced(rule.expr())).as(rule.alert() + " brackets").isTrue();
        }
    }

    private static boolean balanced(String expr) {
        java.util.Deque<Character> open = new java.util.ArrayDeque<>();
        boolean inString = false;
        for (char c : expr.toCharArray()) {
            if (c == '"') {
                inString = !inString;
            } else if (!inString && "([{".indexOf(c) >= 0) {
                open.push(c);
            } else if (!inString && ")]}".indexOf(c) >= 0) {
                if (open.isEmpty() || "([{".indexOf(open.pop()) != ")]}".indexOf(c)) {
                    return false;
                }
            }
        }
        return open.isEmpty() && !inString;
    }
}
