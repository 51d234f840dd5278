package io.oncallapprover.deployment;

import static io.oncallapprover.deployment.KubernetesManifestsTest.resolvePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.oncallapprover.deployment.KubernetesManifestsTest.Rendered;
import io.oncallapprover.deployment.StrictKubernetesYaml.ManifestException;

/**
 * The public route of the production overlay (its Ingress, and the HTTPRoute an operator swaps in) routes
 * {@code POST /api/v1/orgs/{orgId}/webhooks/incidentio} and nothing else, over TLS, to the API port; the network
 * policy admits the ingress controller to the API port only, and nobody but monitoring to the management port.
 * The path regular expressions are checked against every route the service has ({@link ApiRoutes}).
 */
class KubernetesPublicRouteTest {

    static final String WEBHOOK_TEMPLATE = "/api/v1/orgs/{orgId}/webhooks/incidentio";
    /** Paths of the service that are not JAX-RS resources (Quarkus's own, on the API port in dev, test or prod). */
    static final List<String> NON_APPLICATION_PATHS = List.of("/q/openapi", "/q/openapi.json", "/q/swagger-ui",
            "/q/swagger-ui/index.html", "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started",
            "/q/metrics", "/q/dev-ui", "/", "/api", "/api/v1/orgs", "/api/v1/orgs/acme");
    /** Organization ids the webhook path must accept: the shapes of common.Ids.ORG_ID. */
    static final List<String> ORG_IDS = List.of("acme", "a", "org-42", "0", "a".repeat(63));
    /** Near misses of the webhook path: none may be routed. */
    static final List<String> NEAR_MISSES = List.of(
            "/api/v1/orgs/acme/webhooks/incidentio/",
            "/api/v1/orgs/acme/webhooks/incidentio/x",
            "/api/v1/orgs/acme/webhooks/incidentiox",
            "/api/v1/orgs/acme/webhooks/incidentio.json",
            "/api/v1/orgs//webhooks/incidentio",
            "/api/v1/orgs/acme/x/webhooks/incidentio",
            "/api/v1/orgs/acme/access-requests/webhooks/incidentio",
            "/api/v1/orgs/" + "a".repeat(64) + "/webhooks/incidentio",
            "/api/v1/orgs/-acme/webhooks/incidentio",
            "/api/v1/orgs/ac_me/webhooks/incidentio",
            "/api/v1/orgs/ac.me/webhooks/incidentio",
            "/x/api/v1/orgs/acme/webhooks/incidentio",
            "/api/v2/orgs/acme/webhooks/incidentio",
            "/q/api/v1/orgs/acme/webhooks/incidentio");

    // --- the Ingress (ingress-nginx) ------------------------------------------------------------------------

    @Test
    void theIngressRoutesOnlyTheWebhookPathOverTlsToTheApiPort() {
        Rendered production = KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION);
        Ingress ingress = production.one(Ingress.class);
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        assertThat(annotations).as("ingress-nginx reads the path as a regular expression, and redirects plain HTTP")
                .containsEntry("nginx.ingress.kubernetes.io/use-regex", "true")
                .containsEntry("nginx.ingress.kubernetes.io/force-ssl-redirect", "true");
        assertThat(annotations.keySet()).as("no snippet or rewrite that could route elsewhere")
                .noneMatch(key -> key.contains("snippet") || key.contains("rewrite") || key.contains("default-backend"));
        assertThat(ingress.getSpec().getIngressClassName()).as("ingressClassName").isNotBlank();
        assertThat(ingress.getSpec().getDefaultBackend()).as("a default backend would make every path public").isNull();

        assertThat(ingress.getSpec().getRules()).as("rules").hasSize(1);
        IngressRule rule = ingress.getSpec().getRules().get(0);
        assertThat(rule.getHost()).as("a host of its own (use-regex applies to all Ingresses of a host)")
                .isNotBlank().doesNotContain("*");
        assertThat(ingress.getSpec().getTls()).as("TLS").singleElement().satisfies((IngressTLS tls) -> {
            assertThat(tls.getHosts()).containsExactly(rule.getHost());
            assertThat(tls.getSecretName()).as("the TLS Secret").isNotBlank();
        });
        assertThat(rule.getHttp().getPaths()).as("paths").hasSize(1);
        HTTPIngressPath path = rule.getHttp().getPaths().get(0);
        assertThat(path.getPathType()).isEqualTo("ImplementationSpecific");
        assertThat(path.getBackend().getResource()).isNull();
        assertThat(path.getBackend().getService().getName()).isEqualTo(production.one(Service.class).getMetadata().getName());
        IntOrString servicePort = path.getBackend().getService().getPort().getName() != null
                ? new IntOrString(path.getBackend().getService().getPort().getName())
                : new IntOrString(path.getBackend().getService().getPort().getNumber());
        assertThat(targetOf(production, servicePort)).as("the Ingress's backend is the API port").isEqualTo("http");

        // ingress-nginx: location ~* "^<path>" (it adds the leading anchor; ~* is case-insensitive), first match.
        Pattern nginx = Pattern.compile("^" + path.getPath(), Pattern.CASE_INSENSITIVE);
        assertOnlyTheWebhookPathMatches(s -> nginx.matcher(s).find(), "ingress-nginx path " + path.getPath());
    }

    // --- the HTTPRoute (Gateway API) -------------------------------------------------------------------------

    @Test
    void theHttpRouteRoutesOnlyPostOnTheWebhookPathFromAnHttpsListenerToTheApiPort() {
        Rendered gateway = KubernetesManifestsTest.renderProductionWithHttpRoute();
        assertThat(gateway.objects()).as("the swap leaves no Ingress behind").noneMatch(Ingress.class::isInstance);
        HTTPRoute route = gateway.one(HTTPRoute.class);
        assertThat(route.getSpec().getParentRefs()).singleElement().satisfies((ParentReference parent) -> {
            assertThat(parent.getKind()).isEqualTo("Gateway");
            assertThat(parent.getName()).isNotBlank();
            assertThat(parent.getSectionName()).as("attached to one listener (the HTTPS one), not to every listener")
                    .isNotBlank();
            assertThat(parent.getPort()).as("no port: the listener is named").isNull();
        });
        assertThat(route.getSpec().getHostnames()).singleElement().asString().isNotBlank().doesNotContain("*");

        assertThat(route.getSpec().getRules()).as("rules").hasSize(1);
        HTTPRouteRule rule = route.getSpec().getRules().get(0);
        assertThat(rule.getFilters()).as("no filter (a rewrite or redirect would route elsewhere)").isNullOrEmpty();
        assertThat(rule.getMatches()).as("matches").hasSize(1);
        HTTPRouteMatch match = rule.getMatches().get(0);
        assertThat(match.getMethod()).isEqualTo("POST");
        assertThat(match.getHeaders()).isNullOrEmpty();
        assertThat(match.getQueryParams()).isNullOrEmpty();
        assertThat(match.getPath().getType()).isEqualTo("RegularExpression");
        assertThat(rule.getBackendRefs()).singleElement().satisfies((HTTPBackendRef backend) -> {
            assertThat(backend.getKind()).as("a Service").isIn(null, "Service");
            assertThat(backend.getName()).isEqualTo(gateway.one(Service.class).getMetadata().getName());
            assertThat(backend.getNamespace()).as("in the route's namespace").isNull();
            assertThat(targetOf(gateway, new IntOrString(backend.getPort()))).as("the route's backend is the API port")
                    .isEqualTo("http");
        });

        // Envoy-based gateways (RE2) match the whole path; the ^...$ anchors make find() and matches() agree.
        String regex = match.getPath().getValue();
        assertThat(regex).startsWith("^").endsWith("$");
        Pattern whole = Pattern.compile(regex);
        assertOnlyTheWebhookPathMatches(s -> whole.matcher(s).find(), "HTTPRoute path " + regex);
        assertOnlyTheWebhookPathMatches(s -> whole.matcher(s).matches(), "HTTPRoute path " + regex);
    }

    /** The container port name that a port of the Service leads to. */
    private static String targetOf(Rendered r, IntOrString servicePort) {
        Container container = r.container();
        for (ServicePort port : r.one(Service.class).getSpec().getPorts()) {
            boolean same = servicePort.getStrVal() != null ? servicePort.getStrVal().equals(port.getName())
                    : servicePort.getIntVal().equals(port.getPort());
            if (same) {
                int target = resolvePort(port.getTargetPort(), container);
                return container.getPorts().stream().filter(p -> p.getContainerPort() == target).findFirst()
                        .orElseThrow().getName();
            }
        }
        throw new AssertionError("the Service has no port " + servicePort);
    }

    /**
     * The route's path test accepts the webhook path for every organization id, and no other path of the
     * service: every other route with sample values in its parameters (the organization's and the others'),
     * Quarkus's own paths and near misses. And no other route of the service could serve a path the test
     * accepts, so what passes reaches the webhook resource and nothing else.
     */
    static void assertOnlyTheWebhookPathMatches(java.util.function.Predicate<String> routed, String what) {
        List<ApiRoutes.Route> routes = ApiRoutes.scan();
        assertThat(routes).as("the service's routes (scanned from its classes)").hasSizeGreaterThan(20)
                .extracting(ApiRoutes.Route::template).contains(WEBHOOK_TEMPLATE);
        assertThat(routes).as("POST is the only method on the webhook path (anything else is 405)")
                .filteredOn(r -> r.template().equals(WEBHOOK_TEMPLATE)).extracting(ApiRoutes.Route::method)
                .containsExactly("POST");
        for (String org : ORG_IDS) {
            String webhook = WEBHOOK_TEMPLATE.replace("{orgId}", org);
            assertThat(routed.test(webhook)).as(what + " routes " + webhook).isTrue();
            for (ApiRoutes.Route other : routes) {
                if (!other.template().equals(WEBHOOK_TEMPLATE)) {
                    assertThat(other.pattern().matcher(webhook).matches())
                            .as(other + " could serve the webhook path " + webhook).isFalse();
                }
            }
        }
        Set<String> others = new TreeSet<>(NON_APPLICATION_PATHS);
        others.addAll(NEAR_MISSES);
        for (ApiRoutes.Route route : routes) {
            if (!route.template().equals(WEBHOOK_TEMPLATE)) {
                others.addAll(route.samples());
            }
        }
        List<String> routedOthers = new ArrayList<>();
        for (String path : others) {
            if (routed.test(path)) {
                routedOthers.add(path);
            }
        }
        assertThat(routedOthers).as(what + " routes nothing but the webhook path (tried " + others.size() + " paths)")
                .isEmpty();
    }

    @Test
    void theRouteTestsCanFail() {
        // A Prefix route on /api/v1/orgs/, the obvious Ingress without regex, would publish the whole API.
        assertThatThrownBy(() -> assertOnlyTheWebhookPathMatches(s -> s.startsWith("/api/v1/orgs/"), "prefix"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("access-requests");
        // A regex without its end anchor publishes what lies below the webhook path.
        Pattern open = Pattern.compile("^/api/v1/orgs/[a-z0-9][a-z0-9-]{0,62}/webhooks/incidentio");
        assertThatThrownBy(() -> assertOnlyTheWebhookPathMatches(s -> open.matcher(s).find(), "unanchored"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("incidentio/");
        // [^/]+ for the organization would reach the routes under other organization-like segments.
        Pattern loose = Pattern.compile("^/api/v1/orgs/.+/webhooks/incidentio$");
        assertThatThrownBy(() -> assertOnlyTheWebhookPathMatches(s -> loose.matcher(s).find(), "loose"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void aRouteKindTypoIsRefused() {
        String route = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: demo
                spec:
                  rules:
                    - matches:
                        - path:
                            type: RegularExpression
                            value: ^/x$
                          method: POST
                """;
        assertThat(StrictKubernetesYaml.parse(route, "valid")).singleElement().isInstanceOf(HTTPRoute.class);
        assertThatThrownBy(() -> StrictKubernetesYaml.parse(route.replace("RegularExpression", "Regex"), "typo"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("Regex");
        assertThatThrownBy(() -> StrictKubernetesYaml.parse(route.replace("method: POST", "methd: POST"), "typo"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("methd");
    }

    // --- the network policy ---------------------------------------------------------------------------------

    @Test
    void theNetworkPolicyAdmitsTheIngressControllerToTheApiPortAndOnlyMonitoringToTheManagementPort() {
        for (Rendered r : List.of(KubernetesManifestsTest.render(KubernetesManifestsTest.BASE),
                KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION))) {
            NetworkPolicy policy = r.one(NetworkPolicy.class);
            Map<String, Set<String>> portsByNamespace = new HashMap<>();
            for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
                assertThat(rule.getFrom()).as(r + ": every rule names its peers").isNotEmpty();
                for (NetworkPolicyPeer peer : rule.getFrom()) {
                    assertThat(peer.getIpBlock()).as(r + ": no address peers (they could be anything)").isNull();
                    assertThat(peer.getPodSelector()).as(r + ": whole namespaces").isNull();
                    String namespace = peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name");
                    assertThat(namespace).as(r + ": peers are namespaces by name").isNotBlank();
                    assertThat(peer.getNamespaceSelector().getMatchLabels()).hasSize(1);
                    for (NetworkPolicyPort port : rule.getPorts()) {
                        portsByNamespace.computeIfAbsent(namespace, k -> new TreeSet<>())
                                .add(portName(port.getPort(), r.container()));
                    }
                }
            }
            // The third rule is the ingress controller's: the overlay's patch sets its namespace.
            String controller = policy.getSpec().getIngress().get(2).getFrom().get(0).getNamespaceSelector()
                    .getMatchLabels().get("kubernetes.io/metadata.name");
            String monitoring = policy.getSpec().getIngress().get(1).getFrom().get(0).getNamespaceSelector()
                    .getMatchLabels().get("kubernetes.io/metadata.name");
            assertThat(portsByNamespace.get(controller)).as(r + ": the ingress controller " + controller)
                    .containsExactly("http");
            assertThat(portsByNamespace).as(r + ": who reaches the management port")
                    .allSatisfy((namespace, ports) -> assertThat(ports.contains("management"))
                            .as(namespace + " reaches management").isEqualTo(namespace.equals(monitoring)));
            assertThat(portsByNamespace.get(monitoring)).as(r + ": monitoring scrapes the management port only")
                    .containsExactly("management");
            assertThat(controller).isNotEqualTo(monitoring);
        }
        // In production the controller's namespace is the one the overlay sets.
        JsonNode patch;
        try {
            patch = StrictKubernetesYaml.MAPPER.readTree(Kustomize.read(KubernetesManifestsTest.PRODUCTION
                    .resolve("networkpolicy.patch.yaml")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String set = null;
        for (JsonNode op : patch) {
            if (op.path("op").asText().equals("replace")
                    && op.path("path").asText().equals("/spec/ingress/2/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name")) {
                set = op.path("value").asText();
            }
        }
        assertThat(set).as("the overlay names the ingress controller's namespace").isNotBlank();
        assertThat(KubernetesManifestsTest.render(KubernetesManifestsTest.PRODUCTION).one(NetworkPolicy.class).getSpec()
                .getIngress().get(2).getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("kubernetes.io/metadata.name", set);
    }

    private static String portName(IntOrString port, Container container) {
        int number = resolvePort(port, container);
        return container.getPorts().stream().filter(p -> p.getContainerPort() == number).findFirst().orElseThrow()
                .getName();
    }
}
