package io.oncallapprover.deployment;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * The two Prometheus Operator kinds deployment/monitoring holds (monitoring.coreos.com/v1), as far as it uses
 * them, for {@link StrictKubernetesYaml}: the fabric8 model has no class for them here, so these records carry the
 * fields of the Operator's CRD schema that the manifests may use; any other field fails, as the API server's
 * strict validation of the CRD would (an unknown field in a PrometheusRule is otherwise silently dropped).
 */
final class PrometheusOperatorKinds {

    private PrometheusOperatorKinds() {
    }

    @JsonDeserialize(using = JsonDeserializer.None.class)
    record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, ServiceMonitorSpec spec) implements HasMetadata {
        @Override
        public ObjectMeta getMetadata() {
            return metadata;
        }

        @Override
        public void setMetadata(ObjectMeta metadata) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setApiVersion(String version) {
            throw new UnsupportedOperationException();
        }
    }

    record ServiceMonitorSpec(LabelSelector selector, List<Endpoint> endpoints, NamespaceSelector namespaceSelector,
            String jobLabel) {
    }

    record NamespaceSelector(Boolean any, List<String> matchNames) {
    }

    record Endpoint(String port, String path, String scheme, String interval, String scrapeTimeout,
            Boolean honorLabels) {
    }

    @JsonDeserialize(using = JsonDeserializer.None.class)
    record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, RuleSpec spec) implements HasMetadata {
        @Override
        public ObjectMeta getMetadata() {
            return metadata;
        }

        @Override
        public void setMetadata(ObjectMeta metadata) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setApiVersion(String version) {
            throw new UnsupportedOperationException();
        }
    }

    record RuleSpec(List<RuleGroup> groups) {
    }

    record RuleGroup(String name, String interval, List<Rule> rules) {
    }

    record Rule(String alert, String record, String expr, @JsonProperty("for") String forDuration,
            Map<String, String> labels, Map<String, String> annotations) {
    }
}
