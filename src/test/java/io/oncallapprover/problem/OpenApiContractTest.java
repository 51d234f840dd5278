package io.oncallapprover.problem;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.oncallapprover.testsupport.OpenApiContract;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The OpenAPI document tells the real success statuses and every problem of every operation, and
 * the contract the API tests are held to ({@link OpenApiContract}) does reject what breaks it.
 */
@QuarkusTest
@ConnectWireMock
class OpenApiContractTest extends ApiTestBase {

    private static final String API = ProblemResponses.API;

    /** Operations that do not answer (only) 200 when they succeed; every other one does. */
    private static final Map<String, List<String>> NOT_200 = Map.of(
            "POST /access-requests", List.of("201"),
            "POST /access-requests/{id}/decisions", List.of("201"),
            "POST /access-requests/{id}/escalate", List.of("202"),
            "DELETE /integrations/incidentio", List.of("204"),
            "DELETE /access-policy", List.of("204"),
            "POST /event-destinations", List.of("201"),
            "DELETE /event-destinations/{id}", List.of("204"),
            "POST /webhooks/incidentio", List.of("200", "202"));

    private JsonNode document;

    @BeforeEach
    void readTheDocument() throws Exception {
        document = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi").asString());
    }

    @Test
    void eachOperationDeclaresItsRealSuccessStatusAndNoOther() {
        Map<String, Set<String>> declared = new TreeMap<>();
        operations().forEach((key, operation) -> declared.put(key, statuses(operation, s -> s.startsWith("2"))));

        assertThat(declared).isNotEmpty().containsKeys(NOT_200.keySet().toArray(String[]::new));
        declared.forEach((key, statuses) -> assertThat(statuses).as(key)
                .containsExactlyElementsOf(NOT_200.getOrDefault(key, List.of("200"))));
    }

    @Test
    void eachOperationListsItsProblemsWithTheProblemSchemaAndAnExamplePerCode() {
        Map<String, JsonNode> operations = operations();
        assertThat(operations.keySet()).isEqualTo(ProblemResponses.OPERATIONS.keySet());
        operations.forEach((key, operation) -> {
            Set<String> problems = statuses(operation, s -> s.startsWith("4") || s.startsWith("5"));
            assertThat(problems).as(key).contains("400", "401", "500", "503");
            if (!ProblemResponses.SIGNED.contains(key)) {
                assertThat(problems).as(key).contains("403");
                if (operation.has("requestBody")) {
                    assertThat(problems).as(key).contains("413", "415");
                }
            }
            for (String status : problems) {
                JsonNode media = operation.path("responses").path(status).path("content").path(Problem.MEDIA_TYPE);
                assertThat(media.path("schema").path("$ref").asText()).as(key + " " + status)
                        .isEqualTo("#/components/schemas/Problem");
                assertThat(media.path("examples").size()).as(key + " " + status).isPositive();
                media.path("examples").fields().forEachRemaining(example -> {
                    ProblemCode code = ProblemCode.valueOf(example.getKey());
                    assertThat(example.getValue().path("value").path("title").asText()).isEqualTo(code.title());
                    assertThat(example.getValue().path("value").path("status").asText()).isEqualTo(status);
                });
            }
        });
        JsonNode decide = operations.get("POST /access-requests/{id}/decisions");
        assertThat(statuses(decide, s -> !s.startsWith("2"))).containsExactly("400", "401", "403", "404", "409", "413", "415",
                "422", "500", "503");
        assertThat(decide.path("responses").path("409").path("content").path(Problem.MEDIA_TYPE).path("examples").has(
                "ALREADY_DECIDED")).isTrue();
        assertThat(operations.get("POST /access-requests/{id}/escalate").path("responses").has("422")).isTrue();
        assertThat(operations.get("POST /approval-checks/auto").path("responses").path("503").path("headers")
                .has("Retry-After")).isTrue();
    }

    @Test
    void theProblemSchemaNamesEveryCodeOfTheCatalogueAndTheExtensionMembers() {
        JsonNode problem = document.path("components").path("schemas").path("Problem");
        List<String> codes = new ArrayList<>();
        problem.path("properties").path("code").path("enum").forEach(code -> codes.add(code.asText()));

        assertThat(codes).containsExactlyElementsOf(Arrays.stream(ProblemCode.values()).map(Enum::name).toList());
        assertThat(problem.path("properties").has("requestStatus")).isTrue();
        assertThat(problem.path("properties").has("unknownSchedules")).isTrue();
        problem.path("properties").fieldNames().forEachRemaining(member -> assertThat(member)
                .as("an extension member named like a member of the problem").satisfiesAnyOf(
                        m -> assertThat(Problem.RESERVED_MEMBERS).contains(m),
                        m -> assertThat(List.of("requestStatus", "allowed", "approved", "explanation", "evidence",
                                "checkedAt", "rule", "unknownSchedules")).contains(m)));
    }

    @Test
    void theContractRejectsAResponseTheOperationDoesNotDeclare() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, IncidentIoStubs.entry(NOW.minusSeconds(3600), NOW.plusSeconds(3600), "Ada",
                "ada@example.com"));
        Response created = given().contentType("application/json").body(CREATE).post(base(ORG) + "/access-requests");
        assertThat(created.statusCode()).isEqualTo(201);
        Request request = SimpleRequest.Builder.post(base(ORG) + "/access-requests").withContentType("application/json")
                .withAuthorization("Bearer " + EVERYTHING_TOKEN).withBody(CREATE).build();
        OpenApiContract contract = OpenApiContract.ofTheRunningApp();

        assertThatCode(() -> contract.check(request, replay(created, 201, created.asString()))).doesNotThrowAnyException();
        assertThatThrownBy(() -> contract.check(request, replay(created, 200, created.asString())))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Response status 200 not defined");
        assertThatThrownBy(() -> contract.check(request, replay(created, 201, created.asString().replace("\"id\"", "\"i\""))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("id");
    }

    @Test
    void theContractRejectsAProblemBodyWithAKeyTwice() {
        Request request = SimpleRequest.Builder.post(base(ORG) + "/access-requests/0b6f4a2e-5c1d-4e7a-9f3b-2d8c6e1a7b90/decisions")
                .withContentType("application/json").withAuthorization("Bearer " + EVERYTHING_TOKEN)
                .withBody("{\"approver\": \"grace@example.com\", \"decision\": \"APPROVE\"}").build();
        String once = "{\"type\": \"urn:oncall-approver:problem:already-decided\", \"title\": \"Already decided\","
                + " \"status\": 409, \"code\": \"ALREADY_DECIDED\", \"requestStatus\": \"APPROVED\"}";
        String twice = once.replace("\"requestStatus\"", "\"status\"");
        OpenApiContract contract = OpenApiContract.ofTheRunningApp();

        assertThatCode(() -> contract.check(request, problem(409, once))).doesNotThrowAnyException();
        assertThatThrownBy(() -> contract.check(request, problem(409, twice)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("each key once");
    }

    @Test
    void yamlPoliciesAreHeldToTheSchemaOfTheirMediaType() {
        OpenApiContract contract = OpenApiContract.ofTheRunningApp();
        String policy = "rules:\n  - name: on-call engineers\n    approval: [{type: auto, integration: incidentio}]\n";
        com.atlassian.oai.validator.model.Response stored = SimpleResponse.Builder.status(200)
                .withContentType("application/yaml").withHeader("Policy-Source", "stored").withBody(policy).build();

        assertThatCode(() -> contract.check(putPolicy(policy), stored)).doesNotThrowAnyException();
        assertThatThrownBy(() -> contract.check(putPolicy("rules:\n  - name: no steps\n"), stored))
                .isInstanceOf(AssertionError.class).hasMessageContaining("approval");
    }

    private static Request putPolicy(String yaml) {
        return SimpleRequest.Builder.put(base(ORG) + "/access-policy").withContentType("application/yaml")
                .withAuthorization("Bearer " + EVERYTHING_TOKEN).withBody(yaml).build();
    }

    private static final String CREATE = "{\"requester\": \"ada@example.com\", \"resource\": {\"type\": \"role\","
            + " \"service\": \"postgres\", \"name\": \"prod\"}, \"reason\": \"hotfix\"}";

    private static com.atlassian.oai.validator.model.Response replay(Response real, int status, String body) {
        return SimpleResponse.Builder.status(status).withContentType(real.contentType())
                .withHeader("Location", real.header("Location")).withBody(body).build();
    }

    private static com.atlassian.oai.validator.model.Response problem(int status, String body) {
        return SimpleResponse.Builder.status(status).withContentType(Problem.MEDIA_TYPE).withBody(body).build();
    }

    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (path.getKey().startsWith(API)) {
                path.getValue().fields().forEachRemaining(method -> operations.put(
                        method.getKey().toUpperCase() + " " + path.getKey().substring(API.length()), method.getValue()));
            }
        }
        return operations;
    }

    private static Set<String> statuses(JsonNode operation, java.util.function.Predicate<String> which) {
        Set<String> statuses = new TreeSet<>();
        operation.path("responses").fieldNames().forEachRemaining(status -> {
            if (which.test(status)) {
                statuses.add(status);
            }
        });
        return statuses;
    }
}
