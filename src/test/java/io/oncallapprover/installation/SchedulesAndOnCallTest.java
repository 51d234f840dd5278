package io.oncallapprover.installation;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.IncidentIoStubs.schedule;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/** PRODUCT §3.2, §3.3 and the on-call view. */
@QuarkusTest
@ConnectWireMock
class SchedulesAndOnCallTest extends ApiTestBase {

    @Test
    void theSchedulePickerListsEverySchedulePageByPage() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).withQueryParam("after", WireMock.absent())
                .willReturn(okJson("{\"schedules\": [" + schedule("01S1", "Primary", "Europe/London") + ","
                        + schedule("01S2", "Secondary", "America/New_York")
                        + "], \"pagination_meta\": {\"after\": \"01S2\", \"page_size\": 2, \"total_record_count\": 3}}")));
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).withQueryParam("after", WireMock.equalTo("01S2"))
                .willReturn(okJson("{\"schedules\": [" + schedule("01S3", "Databases", "UTC")
                        + "], \"pagination_meta\": {\"page_size\": 2, \"total_record_count\": 3}}")));

        given().get(base(ORG) + "/integrations/incidentio/schedules").then().statusCode(200)
                .body("schedules.id", contains("01S1", "01S2", "01S3"))
                .body("schedules.name", contains("Primary", "Secondary", "Databases"))
                .body("schedules.timezone", contains("Europe/London", "America/New_York", "UTC"));
        wiremock.verifyThat(2, getRequestedFor(urlPathEqualTo("/v2/schedules"))
                .withQueryParam("page_size", WireMock.equalTo("10000")));
    }

    @Test
    void theSchedulePickerFailsClosedAndNeedsAnInstallation() {
        given().get(base(ORG) + "/integrations/incidentio/schedules").then().statusCode(404).body("code", equalTo("NOT_INSTALLED"));

        stubs.installable();
        install(ORG, KEY).statusCode(200);
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).willReturn(aResponse().withStatus(500)));
        given().get(base(ORG) + "/integrations/incidentio/schedules").then().statusCode(503)
                .body("code", equalTo("UPSTREAM_UNAVAILABLE"));
    }

    @Test
    void autoApprovalSchedulesMustExistInIncidentIoAndNothingChangesOtherwise() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleMissing("01UNKNOWN0000000000000001");
        stubs.scheduleExists(SECONDARY);

        setAutoApproval(ORG, List.of(SECONDARY, "01UNKNOWN0000000000000001")).statusCode(422)
                .body("code", equalTo("UNKNOWN_SCHEDULES"))
                .body("errors.field", contains("scheduleIds[1]"));

        given().get(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(200)
                .body("scheduleIds", contains(PRIMARY));
    }

    @Test
    void autoApprovalSchedulesAreSavedInOrderWithoutDuplicates() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleExists(SECONDARY);

        setAutoApproval(ORG, List.of(SECONDARY, PRIMARY, SECONDARY)).statusCode(200)
                .body("scheduleIds", contains(SECONDARY, PRIMARY))
                .body("deniesAll", equalTo(false));
        given().get(base(ORG) + "/integrations/incidentio/auto-approval").then()
                .body("scheduleIds", contains(SECONDARY, PRIMARY));
    }

    @Test
    void autoApprovalInputIsValidated() {
        installWithAutoApproval(ORG, PRIMARY);
        invalidRequest("a schedule id of the wrong shape", () -> setAutoApproval(ORG, List.of(PRIMARY, "not valid!")))
                .statusCode(400).body("errors.field", contains("scheduleIds[1]"));
        List<String> tooMany = java.util.stream.IntStream.rangeClosed(0, io.oncallapprover.common.Ids.MAX_SCHEDULES)
                .mapToObj(i -> "01TOOMANY" + String.format("%017d", i)).toList();
        wiremock.resetRequests();
        setAutoApproval(ORG, tooMany).statusCode(422).body("code", equalTo("TOO_MANY_SCHEDULES"))
                .body("errors.field", contains("scheduleIds"))
                .body("detail", org.hamcrest.Matchers.containsString("At most " + io.oncallapprover.common.Ids.MAX_SCHEDULES));
        wiremock.verifyThat(0, getRequestedFor(urlPathEqualTo("/v2/schedules")));
        setAutoApproval(ORG, java.util.Collections.nCopies(io.oncallapprover.common.Ids.MAX_SCHEDULES + 1, PRIMARY)).statusCode(200)
                .body("scheduleIds", contains(PRIMARY));
        invalidRequest("no scheduleIds", () -> given().contentType("application/json").body("{}")
                .put(base(ORG) + "/integrations/incidentio/auto-approval").then())
                .statusCode(400).body("errors.field", contains("scheduleIds"));
        setAutoApproval("nobody", List.of(PRIMARY)).statusCode(404).body("code", equalTo("NOT_INSTALLED"));
        given().get(base(ORG) + "/integrations/incidentio/auto-approval").then().body("scheduleIds", contains(PRIMARY));
    }

    @Test
    void theOnCallViewShowsWhoIsOnCallPerSchedule() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        stubs.entries(PRIMARY, NOW,
                entry(NOW.minus(Duration.ofHours(2)), NOW.plus(Duration.ofHours(6)), "Ada", "Ada@Example.com"),
                entry(NOW.minus(Duration.ofHours(2)), NOW.plus(Duration.ofHours(6)), null, null));
        stubs.entries(SECONDARY, NOW);

        given().get(base(ORG) + "/integrations/incidentio/on-call").then().statusCode(200)
                .body("checkedAt", equalTo(NOW.toString()))
                .body("schedules.scheduleId", contains(PRIMARY, SECONDARY))
                .body("schedules[0].onCall.email", contains("ada@example.com"))
                .body("schedules[0].onCall.shiftEnd", contains(NOW.plus(Duration.ofHours(6)).toString()))
                .body("schedules[1].onCall", empty());

        stubs.entries("01OTHER0000000000000000001", NOW,
                entry(NOW, NOW.plus(Duration.ofHours(1)), "Grace", "grace@example.com"));
        given().queryParam("scheduleId", "01OTHER0000000000000000001")
                .get(base(ORG) + "/integrations/incidentio/on-call").then().statusCode(200)
                .body("schedules.scheduleId", contains("01OTHER0000000000000000001"))
                .body("schedules[0].onCall.email", contains("grace@example.com"));

        invalidRequest("a schedule id of the wrong shape", () -> given().queryParam("scheduleId", "bad id")
                .get(base(ORG) + "/integrations/incidentio/on-call").then())
                .statusCode(400).body("errors[0].field", org.hamcrest.Matchers.startsWith("scheduleId"));
    }
}
