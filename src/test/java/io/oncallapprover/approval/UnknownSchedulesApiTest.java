package io.oncallapprover.approval;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A schedule incident.io does not know (deleted after it was configured, or mistyped) still counts
 * as nobody on call, but every answer says so: the on-call view, both checks and their explanations.
 */
@QuarkusTest
@ConnectWireMock
class UnknownSchedulesApiTest extends ApiTestBase {

    private static final String GONE = "01SCHEDGONE000000000000009";

    @BeforeEach
    void oneScheduleDeletedInIncidentIo() {
        installWithAutoApproval(ORG, PRIMARY, GONE);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Grace",
                "grace@example.com"));
        wiremock.register(get(urlPathEqualTo("/v2/schedule_entries")).withQueryParam("schedule_id", equalTo(GONE))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"type\": \"not_found\", \"status\": 404, \"errors\": [{\"code\": \"not_found\"}]}")));
    }

    @Test
    void theOnCallViewMarksTheScheduleUnknown() {
        given().get(base(ORG) + "/integrations/incidentio/on-call").then().statusCode(200)
                .body("schedules.scheduleId", contains(PRIMARY, GONE))
                .body("schedules.known", contains(true, false))
                .body("schedules[1].onCall", empty());
    }

    @Test
    void theAutoCheckNamesItAndStillDenies() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", org.hamcrest.Matchers.equalTo(false))
                .body("code", org.hamcrest.Matchers.equalTo("NOT_ON_CALL"))
                .body("unknownSchedules", contains(GONE))
                .body("explanation", containsString("does not know schedule(s) " + GONE));
        autoCheck(ORG, "grace@example.com", null).statusCode(200)
                .body("approved", org.hamcrest.Matchers.equalTo(true))
                .body("unknownSchedules", contains(GONE));
    }

    @Test
    void theApproverCheckNamesIt() {
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "scheduleIds", List.of(GONE)))
                .post(base(ORG) + "/approval-checks/approver").then().statusCode(200)
                .body("allowed", org.hamcrest.Matchers.equalTo(false))
                .body("unknownSchedules", contains(GONE));
    }

    @Test
    void knownSchedulesNameNothing() {
        setAutoApproval(ORG, List.of(PRIMARY)).statusCode(200);
        autoCheck(ORG, "grace@example.com", null).statusCode(200).body("unknownSchedules", empty());
    }
}
