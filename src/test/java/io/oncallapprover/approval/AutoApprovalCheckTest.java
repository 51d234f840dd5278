package io.oncallapprover.approval;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/** PRODUCT §3.4 and §3.8 through the API: who is auto-approved, with what evidence, and failing closed. */
@QuarkusTest
@ConnectWireMock
class AutoApprovalCheckTest extends ApiTestBase {

    private static final Instant SHIFT_START = NOW.minus(Duration.ofHours(3));
    private static final Instant SHIFT_END = NOW.plus(Duration.ofHours(5));

    @Test
    void aRequesterOnCallIsApprovedForOneHourWithEvidence() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));

        autoCheck(ORG, "ada@example.com", "hotfix").statusCode(200)
                .body("approved", equalTo(true))
                .body("code", equalTo("ON_CALL"))
                .body("explanation", org.hamcrest.Matchers.containsString("on call"))
                .body("checkedAt", equalTo(NOW.toString()))
                .body("expiresAt", equalTo(NOW.plus(Duration.ofHours(1)).toString()))
                .body("evidence.scheduleId", contains(PRIMARY))
                .body("evidence.email", contains("ada@example.com"))
                .body("evidence.shiftStart", contains(SHIFT_START.toString()))
                .body("evidence.shiftEnd", contains(SHIFT_END.toString()));

        // The window asked is exactly [now, now + 1 minute] (the stub matches only that).
        wiremock.verifyThat(1, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void someoneElseOnCallMeansNotApproved() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Grace", "grace@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(false))
                .body("code", equalTo("NOT_ON_CALL"))
                .body("evidence", empty())
                .body("expiresAt", nullValue());
    }

    @Test
    void emailsCompareWhateverTheirCase() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "Ada.Lovelace@Example.COM"));

        autoCheck(ORG, "ada.lovelace@example.com", null).statusCode(200).body("approved", equalTo(true));
        autoCheck(ORG, "ADA.LOVELACE@EXAMPLE.COM", null).statusCode(200).body("approved", equalTo(true))
                .body("evidence.email", contains("ada.lovelace@example.com"));
    }

    @Test
    void incidentIoEmailsAreTrimmedWhileARequesterWithSpacesIsRefusedNamingTheField() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "  Ada.Lovelace@Example.COM  "));

        autoCheck(ORG, "ada.lovelace@example.com", null).statusCode(200).body("approved", equalTo(true))
                .body("evidence.email", contains("ada.lovelace@example.com"));
        // What callers send is an address as it is: a padded one is a client bug to show, not to guess at.
        autoCheck(ORG, " ada.lovelace@example.com ", null).statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors[0].field", equalTo("requester"));
    }

    @Test
    void aShiftOwnsItsStartButNotItsEnd() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW,
                entry(NOW.minus(Duration.ofHours(8)), NOW, "Leaving", "leaving@example.com"),
                entry(NOW, NOW.plus(Duration.ofHours(8)), "Arriving", "arriving@example.com"));

        autoCheck(ORG, "leaving@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "arriving@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void theFinalListDecidesSoAnOverrideReplacesTheScheduledPerson() {
        installWithAutoApproval(ORG, PRIMARY);
        String scheduledAda = entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com");
        String overrideGrace = entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Grace", "grace@example.com");
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW).willReturn(okJson(
                IncidentIoStubs.entriesBody(List.of(scheduledAda), List.of(overrideGrace), List.of(
                        entry(SHIFT_START, NOW.minus(Duration.ofHours(1)), "Ada", "ada@example.com"),
                        overrideGrace,
                        entry(NOW.plus(Duration.ofHours(1)), SHIFT_END, "Ada", "ada@example.com")), null))));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "grace@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void entriesWithoutUserOrEmailAreSkippedNotErrors() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW,
                entry(SHIFT_START, SHIFT_END, null, null),
                entry(SHIFT_START, SHIFT_END, "Linus", null),
                entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        autoCheck(ORG, "linus@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
    }

    @Test
    void everyPageIsReadWithTheCursorInTheWindowStartAndTheSameWindowEnd() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entriesPage(PRIMARY, NOW, NOW.toString(), "opaque-cursor-2", entry(SHIFT_START, SHIFT_END, "Grace", "grace@example.com"));
        stubs.entriesPage(PRIMARY, NOW, "opaque-cursor-2", "opaque-cursor-3", entry(SHIFT_START, SHIFT_END, "Bob", "bob@example.com"));
        stubs.entriesPage(PRIMARY, NOW, "opaque-cursor-3", null, entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        wiremock.verifyThat(3, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void everyAutoApprovalScheduleIsAskedNotJustTheFirst() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        stubs.entries(PRIMARY, NOW); // an empty rotation
        stubs.entries(SECONDARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("code", equalTo("ON_CALL"))
                .body("evidence.scheduleId", contains(SECONDARY));
    }

    @Test
    void aScheduleDeletedInIncidentIoCountsAsNobodyOnCallNotAsAnOutage() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"not_found\", \"status\": 404, \"request_id\": \"r-404\"}")));
        stubs.entries(SECONDARY, NOW, entry(SHIFT_START, SHIFT_END, "Grace", "grace@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "grace@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void withoutAnInstallationTheAnswerIsNotInstalled() {
        autoCheck("other-org", "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(false))
                .body("code", equalTo("NOT_INSTALLED"));
    }

    @Test
    void anEmptyScheduleListDeniesEveryoneWithoutAskingIncidentIo() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        setAutoApproval(ORG, List.of()).statusCode(200).body("deniesAll", equalTo(true));
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);

        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(false))
                .body("code", equalTo("NO_SCHEDULES"));
        wiremock.verifyThat(0, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void repeatedChecksWithinSecondsShareOneIncidentIoCall() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        clock.advance(Duration.ofSeconds(5));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));

        wiremock.verifyThat(1, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void cachedEntriesAreNotUsedOnceTheClockLeavesTheirWindow() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));

        Instant later = NOW.plus(Duration.ofMinutes(2));
        clock.set(later);
        stubs.entries(PRIMARY, later, entry(later, later.plus(Duration.ofHours(8)), "Grace", "grace@example.com"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        wiremock.verifyThat(2, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void a429IsRetriedAfterItsRetryAfter() {
        installWithAutoApproval(ORG, PRIMARY);
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW)
                .inScenario("rate limit").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"type\": \"too_many_requests\", \"status\": 429, \"request_id\": \"r-429\"}"))
                .willSetStateTo("allowed"));
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW)
                .inScenario("rate limit").whenScenarioStateIs("allowed")
                .willReturn(okJson(IncidentIoStubs.entriesBody(List.of(), List.of(),
                        List.of(entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com")), null))));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        wiremock.verifyThat(2, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")));
    }

    @Test
    void aPassing5xxIsRetried() {
        installWithAutoApproval(ORG, PRIMARY);
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW)
                .inScenario("blip").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("healthy"));
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW)
                .inScenario("blip").whenScenarioStateIs("healthy")
                .willReturn(okJson(IncidentIoStubs.entriesBody(List.of(), List.of(),
                        List.of(entry(SHIFT_START, SHIFT_END, "Ada", "ada@example.com")), null))));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void badInputNamesTheField() {
        autoCheck(ORG, "not-an-email", null).statusCode(400).body("errors[0].field", equalTo("requester"));
        invalidRequest("a reason over 2000 characters", () -> autoCheck(ORG, "ada@example.com", "x".repeat(2001)))
                .statusCode(400).body("errors[0].field", equalTo("reason"));
        invalidRequest("no requester", () -> io.restassured.RestAssured.given().contentType("application/json").body("{}")
                .post(base(ORG) + "/approval-checks/auto").then()).statusCode(400)
                .body("errors[0].field", equalTo("requester"));
    }

}
