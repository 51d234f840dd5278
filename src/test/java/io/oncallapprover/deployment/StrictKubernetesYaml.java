package io.oncallapprover.deployment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * Reads Kubernetes YAML the way the API server's strict field validation does, into the fabric8 model:
 * <ul>
 * <li>an unknown field fails (fabric8 classes swallow unknown fields into {@code additionalProperties} through a
 * {@code @JsonAnySetter}; it is removed here, so {@code FAIL_ON_UNKNOWN_PROPERTIES} applies, and the walk below
 * also asserts every {@code additionalProperties} is empty);</li>
 * <li>no scalar coercion: {@code containerPort: "8080"} or {@code value: 50} (a number for a string) fail, as
 * they do against the API server;</li>
 * <li>duplicate keys fail; only the (apiVersion, kind) pairs in {@link #KINDS} are known;</li>
 * <li>after the model, the walk checks what the model types as plain strings: quantities, the enumerations
 * used here ({@link #ENUMS}), object names, label keys and values, port names.</li>
 * </ul>
 */
final class StrictKubernetesYaml {

    /** The kinds deployment/ may contain, by "apiVersion kind". Anything else is refused. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("v1 ServiceAccount", ServiceAccount.class),
            Map.entry("v1 Service", Service.class),
            Map.entry("v1 Secret", Secret.class),
            Map.entry("apps/v1 Deployment", Deployment.class),
            Map.entry("batch/v1 Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
            Map.entry("policy/v1 PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2 HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("networking.k8s.io/v1 NetworkPolicy", NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1 Ingress", Ingress.class),
            Map.entry("gateway.networking.k8s.io/v1 HTTPRoute", HTTPRoute.class),
            Map.entry("monitoring.coreos.com/v1 ServiceMonitor", PrometheusOperatorKinds.ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1 PrometheusRule", PrometheusOperatorKinds.PrometheusRule.class));

    /**
     * String fields the API server restricts to a set of values, by "ModelClass.jsonProperty" (the fabric8
     * model types them as String). The ones these manifests use, or could plausibly use.
     */
    static final Map<String, Set<String>> ENUMS = Map.ofEntries(
            Map.entry("ContainerPort.protocol", Set.of("TCP", "UDP", "SCTP")),
            Map.entry("ServicePort.protocol", Set.of("TCP", "UDP", "SCTP")),
            Map.entry("NetworkPolicyPort.protocol", Set.of("TCP", "UDP", "SCTP")),
            Map.entry("NetworkPolicySpec.policyTypes", Set.of("Ingress", "Egress")),
            Map.entry("Container.imagePullPolicy", Set.of("Always", "IfNotPresent", "Never")),
            Map.entry("Container.terminationMessagePolicy", Set.of("File", "FallbackToLogsOnError")),
            Map.entry("PodSpec.restartPolicy", Set.of("Always", "OnFailure", "Never")),
            Map.entry("PodSpec.dnsPolicy", Set.of("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")),
            Map.entry("ServiceSpec.type", Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")),
            Map.entry("ServiceSpec.externalTrafficPolicy", Set.of("Cluster", "Local")),
            Map.entry("ServiceSpec.internalTrafficPolicy", Set.of("Cluster", "Local")),
            Map.entry("DeploymentStrategy.type", Set.of("RollingUpdate", "Recreate")),
            Map.entry("SeccompProfile.type", Set.of("RuntimeDefault", "Localhost", "Unconfined")),
            Map.entry("TopologySpreadConstraint.whenUnsatisfiable", Set.of("DoNotSchedule", "ScheduleAnyway")),
            Map.entry("TopologySpreadConstraint.nodeTaintsPolicy", Set.of("Honor", "Ignore")),
            Map.entry("TopologySpreadConstraint.nodeAffinityPolicy", Set.of("Honor", "Ignore")),
            Map.entry("LabelSelectorRequirement.operator", Set.of("In", "NotIn", "Exists", "DoesNotExist")),
            Map.entry("HTTPGetAction.scheme", Set.of("HTTP", "HTTPS")),
            Map.entry("PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy", Set.of("IfHealthyBudget", "AlwaysAllow")),
            Map.entry("MetricSpec.type", Set.of("Resource", "Pods", "Object", "External", "ContainerResource")),
            Map.entry("MetricTarget.type", Set.of("Utilization", "Value", "AverageValue")),
            Map.entry("HPAScalingPolicy.type", Set.of("Pods", "Percent")),
            Map.entry("HPAScalingRules.selectPolicy", Set.of("Max", "Min", "Disabled")),
            Map.entry("HTTPIngressPath.pathType", Set.of("Exact", "Prefix", "ImplementationSpecific")),
            Map.entry("HTTPPathMatch.type", Set.of("Exact", "PathPrefix", "RegularExpression")),
            Map.entry("HTTPRouteMatch.method",
                    Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")));

    /** Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity). */
    private static final Pattern QUANTITY =
            Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\\d+)?");
    /** metadata.name of these kinds: an RFC 1123 subdomain. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Container names: an RFC 1123 label. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** Label values and the name part of label keys. */
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
    /** Named ports (IANA service names). */
    private static final Pattern PORT_NAME = Pattern.compile("(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    static final YAMLMapper MAPPER = strictMapper();

    private StrictKubernetesYaml() {
    }

    private static YAMLMapper strictMapper() {
        SimpleModule strictFabric8 = new SimpleModule("strict-fabric8");
        strictFabric8.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
                    BeanDeserializerBuilder builder) {
                if (description.getBeanClass().getName().startsWith("io.fabric8.")) {
                    builder.setAnySetter(null); // unknown fields reach FAIL_ON_UNKNOWN_PROPERTIES
                    builder.setIgnoreUnknownProperties(false);
                }
                return builder;
            }
        });
        YAMLMapper mapper = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(strictFabric8)
                .build();
        // A YAML number or boolean where the schema says string (env values, annotations) is refused too.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    /** The documents of a YAML stream, as trees (empty documents skipped); duplicate keys fail. */
    static List<ObjectNode> readDocuments(String yaml, String source) {
        List<ObjectNode> documents = new ArrayList<>();
        try (JsonParser parser = MAPPER.createParser(yaml);
                MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(parser)) {
            int index = 0;
            while (it.hasNextValue()) {
                JsonNode document = it.nextValue();
                index++;
                if (document == null || document.isNull() || document.isMissingNode()) {
                    continue;
                }
                if (!document.isObject()) {
                    throw new ManifestException(source + ", document " + index + ": not a mapping");
                }
                documents.add((ObjectNode) document);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ManifestException) {
                throw (ManifestException) e;
            }
            throw new ManifestException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        return documents;
    }

    /** The object, strictly deserialized into the model class of its apiVersion and kind, then checked. */
    static HasMetadata toModel(ObjectNode document, String source) {
        String apiVersion = document.path("apiVersion").asText("");
        String kind = document.path("kind").asText("");
        Class<? extends HasMetadata> type = KINDS.get(apiVersion + " " + kind);
        if (type == null) {
            throw new ManifestException(source + ": unknown apiVersion/kind '" + apiVersion + " " + kind
                    + "' (known: " + KINDS.keySet() + ")");
        }
        HasMetadata object;
        try {
            object = MAPPER.treeToValue(document, type);
        } catch (IOException | RuntimeException e) {
            throw new ManifestException(source + ": " + kind + " does not match the Kubernetes schema: "
                    + e.getMessage(), e);
        }
        String where = source + ": " + kind + " " + (object.getMetadata() == null ? "?" : object.getMetadata().getName());
        List<String> problems = new ArrayList<>();
        if (object.getMetadata() == null || object.getMetadata().getName() == null) {
            problems.add("metadata.name is missing");
        } else if (!DNS_SUBDOMAIN.matcher(object.getMetadata().getName()).matches()
                || object.getMetadata().getName().length() > 253) {
            problems.add("metadata.name '" + object.getMetadata().getName() + "' is not a DNS subdomain");
        }
        walk(object, kind, problems, new IdentityHashMap<>());
        if (!problems.isEmpty()) {
            throw new ManifestException(where + ": " + String.join("; ", problems));
        }
        return object;
    }

    /** Every document of the YAML, as model objects. */
    static List<HasMetadata> parse(String yaml, String source) {
        List<HasMetadata> objects = new ArrayList<>();
        for (ObjectNode document : readDocuments(yaml, source)) {
            objects.add(toModel(document, source));
        }
        return objects;
    }

    /** Visits every model object under {@code value}, through its JSON properties. */
    private static void walk(Object value, String path, List<String> problems, Map<Object, Boolean> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?>) {
            return;
        }
        if (value instanceof Collection<?>) {
            int i = 0;
            for (Object element : (Collection<?>) value) {
                walk(element, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?>) {
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                walk(entry.getValue(), path + "." + entry.getKey(), problems, seen);
            }
            return;
        }
        boolean model = value.getClass().getName().startsWith("io.fabric8.")
                || value.getClass().getEnclosingClass() == PrometheusOperatorKinds.class;
        if (!model || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Quantity) {
            String text = value.toString();
            if (!QUANTITY.matcher(text).matches()) {
                problems.add(path + ": '" + text + "' is not a quantity");
            }
        }
        if (value instanceof IntOrString && ((IntOrString) value).getIntVal() == null
                && ((IntOrString) value).getStrVal() == null) {
            problems.add(path + ": empty int-or-string");
        }
        if (value instanceof ObjectMeta) {
            checkLabels(((ObjectMeta) value).getLabels(), path + ".labels", problems);
        }
        if (value instanceof LabelSelector) {
            checkLabels(((LabelSelector) value).getMatchLabels(), path + ".matchLabels", problems);
        }
        if (value instanceof ContainerPort && ((ContainerPort) value).getName() != null
                && !isPortName(((ContainerPort) value).getName())) {
            problems.add(path + ": port name '" + ((ContainerPort) value).getName() + "' is not an IANA service name");
        }
        if (value instanceof ServicePort && ((ServicePort) value).getName() != null
                && !DNS_LABEL.matcher(((ServicePort) value).getName()).matches()) {
            problems.add(path + ": port name '" + ((ServicePort) value).getName() + "' is not a DNS label");
        }
        if (value instanceof io.fabric8.kubernetes.api.model.Container) {
            String name = ((io.fabric8.kubernetes.api.model.Container) value).getName();
            if (name == null || !DNS_LABEL.matcher(name).matches()) {
                problems.add(path + ": container name '" + name + "' is not a DNS label");
            }
        }
        BeanDescription description = MAPPER.getSerializationConfig()
                .introspect(MAPPER.constructType(value.getClass()));
        for (BeanPropertyDefinition property : description.findProperties()) {
            if (!property.hasGetter()) {
                continue;
            }
            Object child;
            try {
                child = property.getGetter().getValue(value);
            } catch (RuntimeException e) {
                continue; // computed getters (Quantity's numerical amount) are not fields
            }
            String childPath = path + "." + property.getName();
            Set<String> allowed = ENUMS.get(value.getClass().getSimpleName() + "." + property.getName());
            if (allowed != null) {
                Collection<?> values = child instanceof Collection<?> ? (Collection<?>) child
                        : child == null ? List.of() : List.of(child);
                for (Object v : values) {
                    if (!allowed.contains(v)) {
                        problems.add(childPath + ": '" + v + "' is not one of " + allowed);
                    }
                }
            }
            walk(child, childPath, problems, seen);
        }
        // Belt and braces: whatever reached a model object's additionalProperties was not in the schema.
        try {
            Object additional = value.getClass().getMethod("getAdditionalProperties").invoke(value);
            if (additional instanceof Map<?, ?> && !((Map<?, ?>) additional).isEmpty()) {
                problems.add(path + ": unknown field(s) " + ((Map<?, ?>) additional).keySet());
            }
        } catch (NoSuchMethodException e) {
            // not every model class has them
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isPortName(String name) {
        return name.length() <= 15 && PORT_NAME.matcher(name).matches();
    }

    private static void checkLabels(Map<String, String> labels, String path, List<String> problems) {
        if (labels == null) {
            return;
        }
        labels.forEach((key, value) -> {
            int slash = key.indexOf('/');
            String prefix = slash < 0 ? null : key.substring(0, slash);
            String name = slash < 0 ? key : key.substring(slash + 1);
            boolean keyOk = !name.isEmpty() && name.length() <= 63 && LABEL_NAME.matcher(name).matches()
                    && (prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()));
            if (!keyOk) {
                problems.add(path + ": '" + key + "' is not a label key");
            }
            if (value == null || value.length() > 63 || !LABEL_NAME.matcher(value).matches()) {
                problems.add(path + "." + key + ": '" + value + "' is not a label value");
            }
        });
    }

    /** A manifest that Kubernetes would refuse, or that the renderer cannot render faithfully. */
    static final class ManifestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ManifestException(String message) {
            super(message);
        }

        ManifestException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
