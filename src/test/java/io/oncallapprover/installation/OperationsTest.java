package io.oncallapprover.installation;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.ManagementPort;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/** Probes and metrics on the management port (and only there), the API description on the API port. */
@QuarkusTest
@ConnectWireMock
class OperationsTest extends ApiTestBase {

    @Test
    void livenessIsUpOnTheManagementPort() {
        ManagementPort.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessIncludesTheDatabase() {
        ManagementPort.given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("PostgreSQL")));
    }

    @Test
    void prometheusMetricsIncludeIncidentIoCalls() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("incidentio_requests_seconds_count{"))
                .body(containsString("operation=\"identity\""));
    }

    /**
     * Health and metrics are not on the API port, the one the public route (Ingress or HTTPRoute) and the callers
     * reach: there they are 404, and the management port serves nothing of the API.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics"})
    void healthAndMetricsAreNotOnTheApiPort(String path) {
        assertThat(ManagementPort.uri().getPort()).as("the management port").isPositive()
                .isNotEqualTo(io.restassured.RestAssured.port);
        ManagementPort.given().get(path).then().statusCode(200);
        given().get(path).then().statusCode(404);
    }

    @Test
    void theManagementPortServesNoApi() {
        // not through the contract filter: the document describes the API port, where this request is valid
        ManagementPort.given().noFilters().contentType("application/json").body("{\"requester\": \"ada@example.com\"}")
                .post("/api/v1/orgs/acme/approval-checks/auto").then().statusCode(404);
        ManagementPort.given().get("/q/openapi").then().statusCode(404);
    }

    @Test
    void theOpenApiDescribesTheEndpoints() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/orgs/{orgId}/approval-checks/auto"))
                .body(containsString("/api/v1/orgs/{orgId}/integrations/incidentio/auto-approval"))
                .body("components.securitySchemes.SecurityScheme.scheme", equalTo("bearer"))
                .body("components.securitySchemes.SecurityScheme.bearerFormat", equalTo("JWT"));
    }

    @Test
    void everyRequestCarriesARequestIdIntoItsLogs() {
        java.util.List<String> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record instanceof org.jboss.logmanager.ExtLogRecord ext && ext.getLoggerName().startsWith("io.oncallapprover")) {
                    ids.add(String.valueOf(ext.getMdc("requestId")));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("").addHandler(capture);
        try {
            given().header("X-Request-Id", "chat-bot-req-42").contentType("application/json")
                    .body("{\"requester\": \"ada@example.com\"}").post("/api/v1/orgs/acme/approval-checks/auto")
                    .then().statusCode(200).header("X-Request-Id", equalTo("chat-bot-req-42"));
        } finally {
            java.util.logging.Logger.getLogger("").removeHandler(capture);
        }
        org.assertj.core.api.Assertions.assertThat(ids).isNotEmpty().containsOnly("chat-bot-req-42");

        String generated = given().get("/q/openapi").then().extract().header("X-Request-Id");
        org.assertj.core.api.Assertions.assertThat(generated).matches("[0-9a-f-]{36}");
        given().header("X-Request-Id", "bad id with spaces\u0000").get("/q/openapi").then()
                // Replaced by a generated id (a UUID may itself contain the letters "bad": match the shape instead).
                .header("X-Request-Id", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    }

    @Test
    void unknownRoutesAnswerWithAProblem() {
        invalidRequest("a route the API does not have", () -> given().get("/api/v1/orgs/acme/nothing-here").then())
                .statusCode(404).contentType("application/problem+json").body("code", equalTo("NOT_FOUND"));
    }
}
