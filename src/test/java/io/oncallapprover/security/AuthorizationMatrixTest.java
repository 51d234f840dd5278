package io.oncallapprover.security;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.Tokens;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every API route × every kind of caller. The routes come from the service's own OpenAPI document,
 * and each must have a row in {@link #ROUTES}: an endpoint cannot be added without deciding who may
 * call it.
 */
@QuarkusTest
@ConnectWireMock
class AuthorizationMatrixTest extends ApiTestBase {

    enum Access {
        /** admin only */
        ADMIN,
        /** service only */
        SERVICE,
        /** admin or service */
        READ,
        /** no JWT: the incident.io webhook, authenticated by its signature alone */
        SIGNED
    }

    record Route(Access access, String body) {
    }

    private static final String API = "/api/v1/orgs/{orgId}";

    /** Who may call each route, and a well-formed body to call it with. */
    static final Map<String, Route> ROUTES = Map.ofEntries(
            Map.entry("PUT " + API + "/integrations/incidentio", new Route(Access.ADMIN, "{\"apiKey\": \"inc_matrix_key_0001\"}")),
            Map.entry("GET " + API + "/integrations/incidentio", new Route(Access.READ, null)),
            Map.entry("DELETE " + API + "/integrations/incidentio", new Route(Access.ADMIN, null)),
            Map.entry("GET " + API + "/integrations/incidentio/schedules", new Route(Access.READ, null)),
            Map.entry("PUT " + API + "/integrations/incidentio/auto-approval", new Route(Access.ADMIN, "{\"scheduleIds\": []}")),
            Map.entry("GET " + API + "/integrations/incidentio/auto-approval", new Route(Access.READ, null)),
            Map.entry("PUT " + API + "/integrations/incidentio/incident-settings", new Route(Access.ADMIN, "{\"mode\": \"standard\"}")),
            Map.entry("GET " + API + "/integrations/incidentio/incident-settings", new Route(Access.READ, null)),
            Map.entry("GET " + API + "/integrations/incidentio/on-call", new Route(Access.READ, null)),
            Map.entry("PUT " + API + "/integrations/incidentio/webhook", new Route(Access.ADMIN,
                    "{\"signingSecret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}")),
            Map.entry("GET " + API + "/integrations/incidentio/webhook", new Route(Access.READ, null)),
            Map.entry("DELETE " + API + "/integrations/incidentio/webhook", new Route(Access.ADMIN, null)),
            Map.entry("POST " + API + "/webhooks/incidentio", new Route(Access.SIGNED,
                    "{\"event_type\": \"schedule.updated_v1\", \"schedule.updated_v1\": {\"id\": \"01SCHED\"}}")),
            Map.entry("POST " + API + "/approval-checks/auto", new Route(Access.SERVICE, "{\"requester\": \"ada@example.com\"}")),
            Map.entry("GET " + API + "/audit-events", new Route(Access.READ, null)),
            Map.entry("GET " + API + "/audit-events/verification", new Route(Access.ADMIN, null)),
            Map.entry("PUT " + API + "/access-policy", new Route(Access.ADMIN, "{\"rules\": []}")),
            Map.entry("GET " + API + "/access-policy", new Route(Access.READ, null)),
            Map.entry("DELETE " + API + "/access-policy", new Route(Access.ADMIN, null)),
            Map.entry("POST " + API + "/access-requests", new Route(Access.SERVICE,
                    "{\"requester\": \"ada@example.com\", \"resource\": {\"type\": \"role\", \"service\": \"db\", \"name\": \"prod\"}}")),
            Map.entry("GET " + API + "/access-requests", new Route(Access.READ, null)),
            Map.entry("GET " + API + "/access-requests/{id}", new Route(Access.READ, null)),
            Map.entry("POST " + API + "/access-requests/{id}/escalate", new Route(Access.SERVICE, null)),
            Map.entry("POST " + API + "/access-requests/{id}/decisions", new Route(Access.SERVICE,
                    "{\"approver\": \"grace@example.com\", \"decision\": \"APPROVE\"}")),
            Map.entry("POST " + API + "/access-requests/{id}/revoke", new Route(Access.READ,
                    "{\"by\": \"backend@example.com\"}")),
            Map.entry("POST " + API + "/access-requests/{id}/withdraw", new Route(Access.SERVICE,
                    "{\"by\": \"bot@example.com\"}")),
            Map.entry("GET " + API + "/events", new Route(Access.READ, null)),
            Map.entry("POST " + API + "/event-destinations", new Route(Access.ADMIN, "{\"url\": \"https://203.0.113.10/hook\"}")),
            Map.entry("GET " + API + "/event-destinations", new Route(Access.ADMIN, null)),
            Map.entry("GET " + API + "/event-destinations/{id}", new Route(Access.ADMIN, null)),
            Map.entry("DELETE " + API + "/event-destinations/{id}", new Route(Access.ADMIN, null)),
            Map.entry("POST " + API + "/approval-checks/approver", new Route(Access.SERVICE,
                    "{\"approver\": \"grace@example.com\", \"scheduleIds\": [\"01SCHED\"]}")));

    private static final List<String> MINE = List.of(ORG);
    private static final Set<String> BOTH = Set.of(Roles.ADMIN, Roles.SERVICE);

    @BeforeEach
    void noDefaultToken() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void everyApiRouteOfTheOpenApiDocumentHasARow() throws Exception {
        assertThat(apiRoutes()).containsExactlyInAnyOrderElementsOf(ROUTES.keySet());
    }

    @TestFactory
    Stream<DynamicTest> matrix() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : new TreeSet<>(ROUTES.keySet())) {
            Route route = ROUTES.get(key);
            String method = key.substring(0, key.indexOf(' '));
            String path = key.substring(key.indexOf(' ') + 1);
            // Reading, or acting on an existing resource by id, of another organization reveals nothing: 404.
            boolean read = method.equals("GET") || path.contains("{id}");
            if (route.access() == Access.SIGNED) {
                // A token is no signature: with or without one, an unsigned delivery is refused; another
                // organization's token still meets the tenant filter first.
                tests.add(row(key, "no token", null, method, path, route, 401));
                tests.add(row(key, "a valid token", Tokens.token(MINE, BOTH), method, path, route, 401));
                tests.add(row(key, "other organization", Tokens.token(List.of("someone-else"), BOTH), method, path, route, 403));
                continue;
            }
            Set<String> rightRoles = switch (route.access()) {
                case ADMIN -> Set.of(Roles.ADMIN);
                case SERVICE -> Set.of(Roles.SERVICE);
                case READ, SIGNED -> BOTH;
            };
            Set<String> wrongRoles = switch (route.access()) {
                case ADMIN -> Set.of(Roles.SERVICE);
                case SERVICE -> Set.of(Roles.ADMIN);
                case READ, SIGNED -> Set.of("auditor");
            };
            tests.add(row(key, "no token", null, method, path, route, 401));
            tests.add(row(key, "bad signature", Tokens.signedByAnotherKey(MINE, BOTH), method, path, route, 401));
            tests.add(row(key, "expired", Tokens.expired(MINE, BOTH), method, path, route, 401));
            tests.add(row(key, "wrong issuer", Tokens.wrongIssuer(MINE, BOTH), method, path, route, 401));
            tests.add(row(key, "wrong audience", Tokens.wrongAudience(MINE, BOTH), method, path, route, 401));
            tests.add(row(key, "not a JWT", "not-a-jwt", method, path, route, 401));
            tests.add(row(key, "other organization", Tokens.token(List.of("someone-else"), rightRoles), method, path, route,
                    read ? 404 : 403));
            tests.add(row(key, "missing role", Tokens.token(MINE, wrongRoles), method, path, route, 403));
            tests.add(DynamicTest.dynamicTest(key + " with the right token is let through", () -> {
                Response response = call(Tokens.token(MINE, rightRoles), method, path, route);
                assertThat(response.statusCode()).as(response.asString()).isNotIn(401, 403);
            }));
        }
        return tests.stream();
    }

    private DynamicTest row(String key, String caller, String token, String method, String path, Route route, int expected) {
        return DynamicTest.dynamicTest(key + " with " + caller + " → " + expected, () -> {
            Response response = call(token, method, path, route);
            assertThat(response.statusCode()).as(response.asString()).isEqualTo(expected);
            assertThat(response.contentType()).startsWith("application/problem+json");
            if (expected == 401 && route.access() != Access.SIGNED) {
                assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
            }
        });
    }

    private static Response call(String token, String method, String path, Route route) {
        RequestSpecification request = given().redirects().follow(false);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (route.body() != null) {
            request.contentType("application/json").body(route.body());
        }
        String uri = path.replace("{orgId}", ORG).replace("{id}", "0b6f4a2e-5c1d-4e7a-9f3b-2d8c6e1a7b90");
        return token == null && route.access() != Access.SIGNED
                ? invalidRequest("no bearer token", () -> request.request(method, uri))
                : request.request(method, uri);
    }

    private static Set<String> apiRoutes() throws Exception {
        String json = given().queryParam("format", "json").get("/q/openapi").asString();
        JsonNode paths = new ObjectMapper().readTree(json).path("paths");
        Set<String> routes = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext();) {
                String method = methods.next().toUpperCase();
                if (Set.of("GET", "PUT", "POST", "DELETE", "PATCH").contains(method)) {
                    routes.add(method + " " + path.getKey());
                }
            }
        }
        return routes;
    }
}
