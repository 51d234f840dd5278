package io.oncallapprover.oncall;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.IncidentIoStubs.q;
import static io.oncallapprover.testsupport.IncidentIoStubs.rotation;
import static io.oncallapprover.testsupport.IncidentIoStubs.schedule;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.ListSource;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Who is on call now, read from the account's schedule list, as production reads it: checks against
 * an account of 1,000 schedules in one call, shifts without users, a schedule gone from the list, the
 * staleness bound, an exact handover, a schedule incident.io said changed, rotation filters, and a list
 * that fails.
 */
@QuarkusTest
@ConnectWireMock
@TestProfile(ListSource.class)
class ListSourceApiTest extends ApiTestBase {

    private static final String ROT_DAY = "01ROTDAY00000000000000001";
    private static final String ROT_NIGHT = "01ROTNIGHT000000000000002";
    private static final String LAYER = "01LAYERONE0000000000000001";

    @Inject
    ScheduleChanges scheduleChanges;

    private static String id(int n) {
        return "01SCALE" + String.format("%019d", n);
    }

    private static String shiftOf(String name, String email) {
        return entry(NOW.minusSeconds(3600), NOW.plusSeconds(3600), name, email);
    }

    /** {@code GET /v2/schedules}: {@code n} schedules in one page, schedule {@code i} with {@code shifts.apply(i)} current. */
    private void account(int n, IntFunction<String> shifts) {
        List<String> schedules = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            schedules.add(schedule(id(i), "Schedule " + i, "UTC").replace("\"current_shifts\": []",
                    "\"current_shifts\": [" + shifts.apply(i) + "]"));
        }
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).willReturn(okJson("{\"schedules\": [" + String.join(",", schedules)
                + "], \"pagination_meta\": {\"page_size\": 10000, \"total_record_count\": " + n + "}}")));
    }

    private static String idsJson(int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            ids.add(q(id(i)));
        }
        return "{\"scheduleIds\": [" + String.join(",", ids) + "]}";
    }

    private int listCalls() {
        return wiremock.find(getRequestedFor(urlPathEqualTo("/v2/schedules"))).size();
    }

    private int entriesCalls() {
        return wiremock.find(getRequestedFor(urlPathEqualTo("/v2/schedule_entries"))).size();
    }

    private void installed() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);
    }

    @Test
    void aThousandSchedulesAreChosenAndCheckedInOneCallAndThePersonOnCallInTheLastIsApproved() {
        installed();
        account(1000, i -> i == 1000 ? shiftOf("Ada", "ada@example.com") : shiftOf("Other " + i, "other" + i + "@example.com"));
        wiremock.resetRequests();

        given().contentType("application/json").body(idsJson(1, 1000))
                .when().put(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(200);
        assertThat(listCalls()).as("every id checked against one list").isEqualTo(1);

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true)).body("code", equalTo("ON_CALL"))
                .body("evidence.scheduleId", contains(id(1000)));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("approved", equalTo(false))
                .body("code", equalTo("NOT_ON_CALL"));
        assertThat(listCalls()).as("the list fetched to choose answers the checks within its bound").isEqualTo(1);
        assertThat(entriesCalls()).isZero();

        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        assertThat(listCalls()).as("a cold check over 1,000 schedules: one call").isEqualTo(2);
        assertThat(entriesCalls()).isZero();
    }

    @Test
    void aColdCheckAsksTheListAsSoonAsTheKeyIsReadAndMakesOneCall() {
        installed();
        account(200, i -> i == 200 ? shiftOf("Ada", "ada@example.com") : "");
        setAutoApproval(ORG, java.util.stream.IntStream.rangeClosed(1, 200).mapToObj(ListSourceApiTest::id).toList())
                .statusCode(200);
        // Nothing of the organization held: neither its snapshot (settings, key) nor its list.
        entriesCache.invalidateAll().await().indefinitely();
        snapshots.invalidateAll();
        wiremock.resetRequests();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("evidence.scheduleId", contains(id(200)));
        assertThat(listCalls()).as("the call started beside the policy read is the check's one call").isEqualTo(1);
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        assertThat(listCalls()).as("then the held list answers").isEqualTo(1);
    }

    @Test
    void aWebhookDeliveryForAnOrganizationNotHeldNeverAsksIncidentIo() {
        installed();
        account(3, i -> shiftOf("Ada", "ada@example.com"));
        setAutoApproval(ORG, List.of(id(1), id(2), id(3))).statusCode(200);
        given().contentType("application/json")
                .body(java.util.Map.of("signingSecret", io.oncallapprover.testsupport.SignedDeliveries.SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        entriesCache.invalidateAll().await().indefinitely();
        snapshots.invalidateAll();
        wiremock.resetRequests();
        // Unauthenticated callers (a forged delivery among them) read the snapshot without warming the list.
        io.oncallapprover.testsupport.SignedDeliveries.deliver(ORG, "whsec_" + java.util.Base64.getEncoder()
                .encodeToString(new byte[32]), "msg_forged", NOW, io.oncallapprover.testsupport.SignedDeliveries.shiftChange(id(1),
                        List.of("mallory@example.com"), List.of("ada@example.com"))).statusCode(401);
        assertThat(listCalls()).as("no incident.io call for a delivery").isZero();
    }

    @Test
    void fiveHundredSchedulesAreChosenInOneCallAndMoreThanTheLimitIs422NamingIt() {
        installed();
        account(1001, i -> "");
        wiremock.resetRequests();
        given().contentType("application/json").body(idsJson(1, 500))
                .when().put(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(200);
        assertThat(listCalls()).isEqualTo(1);

        given().contentType("application/json").body(idsJson(1, 1001))
                .when().put(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(422)
                .body("code", equalTo("TOO_MANY_SCHEDULES")).body("detail", containsString("1000"))
                .body("errors[0].field", equalTo("scheduleIds"));
        assertThat(listCalls()).as("refused before asking incident.io").isEqualTo(1);
        given().get(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(200)
                .body("scheduleIds.size()", equalTo(500));
    }

    @Test
    void aCurrentShiftWithoutAUserOrAnEmailIsSkippedNeverAnError() {
        installed();
        String noUser = entry(NOW.minusSeconds(60), NOW.plusSeconds(60), null, null);
        String noEmail = entry(NOW.minusSeconds(60), NOW.plusSeconds(60), "Linus", null);
        account(1, i -> String.join(",", noUser, noEmail, shiftOf("Ada", "Ada@Example.com")));
        setAutoApproval(ORG, List.of(id(1))).statusCode(200);
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        autoCheck(ORG, "linus@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        given().get(base(ORG) + "/integrations/incidentio/on-call").then().statusCode(200)
                .body("schedules[0].onCall.email", contains("ada@example.com"));
    }

    @Test
    void aScheduleGoneFromTheListIsAskedByItsEntriesReportedAndOnlyDenies() {
        String gone = "01SCHEDGONE000000000000009";
        installWithAutoApproval(ORG, PRIMARY, gone);
        stubs.entries(PRIMARY, NOW, shiftOf("Ada", "ada@example.com"));
        stubs.scheduleMissing(gone);
        wiremock.register(get(urlPathEqualTo("/v2/schedule_entries")).withQueryParam("schedule_id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(gone))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"type\": \"not_found\", \"status\": 404, \"errors\": []}")));
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.resetRequests();

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("unknownSchedules", contains(gone));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("approved", equalTo(false))
                .body("code", equalTo("NOT_ON_CALL")).body("unknownSchedules", contains(gone));
        assertThat(listCalls()).isEqualTo(1);
        wiremock.verifyThat(1, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")).withQueryParam("schedule_id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(gone)));
        wiremock.verifyThat(0, getRequestedFor(urlPathEqualTo("/v2/schedule_entries")).withQueryParam("schedule_id",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo(PRIMARY)));
    }

    @Test
    void dataOlderThanTheStalenessBoundNeverApproves() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, shiftOf("Ada", "ada@example.com"));
        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        stubs.entries(PRIMARY, NOW); // Ada's shift was taken away in incident.io
        wiremock.resetRequests();

        clock.set(NOW.plusSeconds(10).minusNanos(1000));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        assertThat(listCalls()).as("within the bound: the list held").isZero();

        clock.set(NOW.plusSeconds(10));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(false))
                .body("code", equalTo("NOT_ON_CALL"));
        assertThat(listCalls()).as("at the bound: asked again").isEqualTo(1);
    }

    @Test
    void aHandoverIsExactTheListIsAskedAgainAtTheInstantAShiftEnds() {
        installWithAutoApproval(ORG, PRIMARY);
        Instant handover = NOW.plusSeconds(5);
        String ada = entry(NOW.minusSeconds(3600), handover, "Ada", "ada@example.com");
        String bob = entry(handover, handover.plusSeconds(3600), "Bob", "bob@example.com");
        stubs.entries(PRIMARY, NOW, ada, bob);
        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        stubs.entries(PRIMARY, handover, ada, bob); // what incident.io lists from the handover on
        wiremock.resetRequests();

        clock.set(handover.minusNanos(1000));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        assertThat(listCalls()).isZero();

        clock.set(handover);
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("evidence[0].shiftStart", equalTo(handover.toString()));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        assertThat(listCalls()).as("once, at the handover").isEqualTo(1);
    }

    @Test
    void aScheduleIncidentIoSaidChangedIsAskedAgainAtTheNextCheck() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        stubs.entries(PRIMARY, NOW, shiftOf("Ada", "ada@example.com"));
        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        stubs.entries(PRIMARY, NOW, shiftOf("Grace", "grace@example.com"));
        wiremock.resetRequests();

        scheduleChanges.changed(ORG, SECONDARY).await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        assertThat(listCalls()).as("a schedule the check asks for changed: the list is asked again").isEqualTo(1);
        autoCheck(ORG, "grace@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        assertThat(listCalls()).isEqualTo(1);
    }

    @Test
    void aRotationFilterCountsOnlyTheShiftsOfItsRotationsInTheList() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleWithRotations(PRIMARY, rotation(ROT_DAY, LAYER), rotation(ROT_NIGHT, LAYER));
        putPolicy(ORG, """
                {"rules": [{"name": "night only", "approval": [{"type": "auto", "integration": "incidentio",
                  "rotations": ["%s"]}]}]}""".formatted(ROT_NIGHT)).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minusSeconds(60), NOW.plusSeconds(60), "Ada", "ada@example.com", ROT_DAY, LAYER),
                entry(NOW.minusSeconds(60), NOW.plusSeconds(60), "Bob", "bob@example.com", ROT_NIGHT, LAYER));
        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("evidence.rotationId", contains(ROT_NIGHT));
    }

    @Test
    void aListThatFailsFailsTheCheckClosed() {
        installWithAutoApproval(ORG, PRIMARY);
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).atPriority(1).willReturn(aResponse().withStatus(500)));
        entriesCache.invalidateAll().await().indefinitely();
        autoCheck(ORG, "ada@example.com", null).statusCode(503).body("code", equalTo("UPSTREAM_UNAVAILABLE"))
                .body("approved", equalTo(false));
        given().get(base(ORG) + "/integrations/incidentio/on-call").then().statusCode(503);
        assertThat(entriesCalls()).as("no fallback to the entries for a schedule the list could not tell of").isZero();
    }

    @Test
    void noScheduleChosenAsksNothing() {
        installed();
        wiremock.resetRequests();
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NO_SCHEDULES"))
                .body("evidence", empty());
        assertThat(listCalls()).isZero();
    }

    @Test
    void aLargeAccountsListSlowerThanOneEntriesCallStillAnswers() {
        installed();
        account(1, i -> shiftOf("Ada", "ada@example.com"));
        setAutoApproval(ORG, List.of(id(1))).statusCode(200);
        entriesCache.invalidateAll().await().indefinitely();
        // 1.5 s: longer than one schedule's entries may take (1 s), within a list page's deadline and a check's.
        List<String> schedules = List.of(schedule(id(1), "Schedule 1", "UTC").replace("\"current_shifts\": []",
                "\"current_shifts\": [" + shiftOf("Ada", "ada@example.com") + "]"));
        wiremock.register(get(urlPathEqualTo("/v2/schedules")).atPriority(1).willReturn(okJson("{\"schedules\": ["
                + String.join(",", schedules) + "], \"pagination_meta\": {\"page_size\": 10000}}").withFixedDelay(1500)));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }
}
