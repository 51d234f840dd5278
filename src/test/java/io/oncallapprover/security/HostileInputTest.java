package io.oncallapprover.security;

import static io.oncallapprover.testsupport.OpenApiContract.hostileRequest;
import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * A corpus of malformed, mistyped and oversized requests against every write endpoint: each gets a
 * 4xx problem (never a 5xx), and the database is exactly as it was.
 */
@QuarkusTest
@ConnectWireMock
class HostileInputTest extends ApiTestBase {

    record Endpoint(String method, String path, List<String> stringFields) {
    }

    /** Some of its bodies the OpenAPI document refuses, others only the service: request validation is skipped for all. */
    private static final String CORPUS = "the hostile input corpus";

    static final List<Endpoint> WRITE_ENDPOINTS = List.of(
            new Endpoint("PUT", "/api/v1/orgs/acme/integrations/incidentio", List.of("apiKey")),
            new Endpoint("PUT", "/api/v1/orgs/acme/integrations/incidentio/auto-approval", List.of()),
            new Endpoint("POST", "/api/v1/orgs/acme/approval-checks/auto", List.of("requester", "reason")),
            new Endpoint("POST", "/api/v1/orgs/acme/approval-checks/approver", List.of("approver", "requestId")),
            new Endpoint("PUT", "/api/v1/orgs/acme/access-policy", List.of("rules")),
            new Endpoint("POST", "/api/v1/orgs/acme/access-requests", List.of("requester", "reason", "conversationUrl")),
            new Endpoint("POST", "/api/v1/orgs/acme/access-requests/0b6f4a2e-5c1d-4e7a-9f3b-2d8c6e1a7b90/decisions",
                    List.of("approver", "decision", "comment")));

    static List<String> corpus(Endpoint endpoint) {
        List<String> bodies = new ArrayList<>(List.of(
                "", "{", "}", "[]", "null", "\"text\"", "42", "true", "{}{}", "{\"a\":1} trailing",
                "{\"unexpected\": 1}", "{\"apiKey\": [\"x\"]}", "{\"scheduleIds\": \"01ABC\"}",
                "{\"scheduleIds\": [1, 2]}", "{\"scheduleIds\": [null]}", "{\"scheduleIds\": [\"../../etc\"]}",
                "{\"scheduleIds\": [\"" + "A".repeat(65) + "\"]}",
                "{\"requester\": 12345}", "{\"requester\": \"a@b\\u0000.com\"}", "{\"requester\": \"<script>@x\"}",
                "{\"requester\": \"ada@example.com\", \"reason\": {\"nested\": true}}",
                "{\"apiKey\": \"bad\\nkey\\rwith\\tcontrols\"}",
                "[".repeat(5_000) + "]".repeat(5_000),
                "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000),
                "{\"apiKey\": \"" + "x".repeat(80_000) + "\"}"));
        for (String field : endpoint.stringFields()) {
            bodies.add("{\"" + field + "\": \"" + "y".repeat(5_000) + "@example.com\"}");
            bodies.add("{\"" + field + "\": null}");
            bodies.add("{\"" + field + "\": 3.14}");
            bodies.add("{\"" + field + "\": false}");
        }
        return bodies;
    }

    /** YAML that must never be obeyed: type tags, alias bombs, several documents, duplicates, junk. */
    static final List<String> YAML_CORPUS = List.of(
            "rules: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1/x\"]]]]\n",
            "rules:\n  - !!java.lang.ProcessBuilder [[\"touch\", \"/tmp/pwned\"]]\n",
            "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                    + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nrules: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
            "rules: []\n---\nrules: []\n",
            "rules: []\nrules: []\n",
            "rules:\n  - name: x\n    approval: [{type: auto, integration: incidentio, options: {requireReason: maybe}}]\n",
            "rules: [\n",
            "\t\trules: : :\n",
            "");

    private String before;

    @BeforeEach
    void someStateToProtect() {
        installWithAutoApproval(ORG, PRIMARY);
        before = snapshot();
    }

    @TestFactory
    Stream<DynamicTest> everyWriteEndpointRefusesBadInputCleanly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint endpoint : WRITE_ENDPOINTS) {
            List<String> bodies = corpus(endpoint);
            for (int i = 0; i < bodies.size(); i++) {
                String body = bodies.get(i);
                String name = endpoint.method() + " " + endpoint.path() + " #" + i + " "
                        + body.substring(0, Math.min(40, body.length()));
                tests.add(DynamicTest.dynamicTest(name, () -> refusedCleanly(hostileRequest(CORPUS,
                        () -> given().contentType("application/json").body(body).request(endpoint.method(), endpoint.path())))));
            }
            if (endpoint.path().endsWith("/access-policy")) {
                for (String yaml : YAML_CORPUS) {
                    tests.add(DynamicTest.dynamicTest("PUT access-policy YAML " + yaml.substring(0, Math.min(40, yaml.length())),
                            () -> refusedCleanly(hostileRequest(CORPUS, () -> given().contentType("application/yaml")
                                    .body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                    .request(endpoint.method(), endpoint.path())))));
                }
            }
            tests.add(DynamicTest.dynamicTest(endpoint.method() + " " + endpoint.path() + " as text/plain",
                    () -> refusedCleanly(invalidRequest("a body as text/plain", () -> given().contentType("text/plain")
                            .body("apiKey=x").request(endpoint.method(), endpoint.path())))));
            tests.add(DynamicTest.dynamicTest(endpoint.method() + " " + endpoint.path() + " as XML",
                    () -> refusedCleanly(invalidRequest("a body as XML", () -> given().contentType("application/xml")
                            .body("<a/>").request(endpoint.method(), endpoint.path())))));
            tests.add(DynamicTest.dynamicTest(endpoint.method() + " " + endpoint.path() + " with a bad org id",
                    () -> refusedCleanly(invalidRequest("an organization id of the wrong shape", () -> given()
                            .contentType("application/json").body("{}")
                            .request(endpoint.method(), endpoint.path().replace("/acme/", "/ACME..%2F/"))))));
        }
        return tests.stream();
    }

    private void refusedCleanly(Response response) {
        assertThat(response.statusCode()).as(response.asString()).isBetween(400, 499);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("code")).isNotBlank();
        assertThat(snapshot()).as("database unchanged").isEqualTo(before);
    }

    private String snapshot() {
        return pool.query("select coalesce((select string_agg(t::text, '|' order by org_id) from incidentio_integration t), '')"
                + " || '#' || coalesce((select string_agg(a::text, '|' order by id) from audit_event a), '')"
                + " || '#' || coalesce((select string_agg(p::text, '|' order by org_id) from access_policy p), '')"
                + " || '#' || coalesce((select string_agg(r::text, '|' order by id) from access_request r), '')"
                + " || '#' || coalesce((select string_agg(o::text, '|' order by id) from outbox_task o), '')")
                .execute().await().indefinitely().iterator().next().getString(0);
    }
}
