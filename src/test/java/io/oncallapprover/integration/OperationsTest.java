package io.oncallapprover.integration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/** Probes, metrics and the API description are public and working. */
@QuarkusTest
@ConnectWireMock
class OperationsTest extends ApiTestBase {

    @Test
    void livenessIsUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessIncludesTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("PostgreSQL")));
    }

    @Test
    void prometheusMetricsIncludeIncidentIoCalls() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("incidentio_requests_seconds_count{"))
                .body(containsString("operation=\"identity\""));
    }

    @Test
    void theOpenApiDescribesTheEndpoints() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/orgs/{orgId}/approval-checks/auto"))
                .body(containsString("/api/v1/orgs/{orgId}/integrations/incidentio/auto-approval"));
    }

    @Test
    void unknownRoutesAnswerWithAProblem() {
        given().get("/api/v1/orgs/acme/nothing-here").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("NOT_FOUND"));
    }
}
