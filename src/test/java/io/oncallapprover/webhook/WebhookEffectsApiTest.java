package io.oncallapprover.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.SignedDeliveries.SECRET;
import static io.oncallapprover.testsupport.SignedDeliveries.deliver;
import static io.oncallapprover.testsupport.SignedDeliveries.incidentStatusUpdated;
import static io.oncallapprover.testsupport.SignedDeliveries.privateIncidentUpdated;
import static io.oncallapprover.testsupport.SignedDeliveries.scheduleUpdated;
import static io.oncallapprover.testsupport.SignedDeliveries.shiftChange;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What a verified delivery does once worked: a shift change or schedule update drops the cached
 * entries; a shift change ends the auto-approved grants it took the ground from, and nothing else;
 * a resolved escalation incident reaches its pending request.
 */
@QuarkusTest
@ConnectWireMock
class WebhookEffectsApiTest extends ApiTestBase {

    static final String INCIDENT_ID = "01INCIDENT000000000000042";
    static final String ADA_SHIFT_ENDS = NOW.plus(Duration.ofHours(4)).toString();

    @Inject
    WebhookProcessor processor;

    @Inject
    IncidentOutboxWorker outbox;

    @BeforeEach
    void installedWithSecretAndAdaOnCall() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        given().contentType("application/json").body(Map.of("signingSecret", SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        adaOnCall(PRIMARY);
        nobodyOnCall(SECONDARY);
    }

    private void adaOnCall(String schedule) {
        stubs.entries(schedule, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "Ada@Example.com"));
    }

    private void nobodyOnCall(String schedule) {
        stubs.entries(schedule, NOW);
    }

    private int drain() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> processor.drainOnce());
    }

    private ValidatableResponse request(String requester) {
        return given().contentType("application/json").body(Map.of("requester", requester, "reason", "hotfix",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201);
    }

    private ValidatableResponse show(String id) {
        return given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    private int entriesCalls(String schedule) {
        return wiremock.find(getRequestedFor(urlPathEqualTo("/v2/schedule_entries"))
                .withQueryParam("schedule_id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(schedule))).size();
    }

    private Row delivery(String id) {
        return pool.preparedQuery("select * from webhook_delivery where org_id = $1 and webhook_id = $2")
                .execute(Tuple.of(ORG, id)).await().indefinitely().iterator().next();
    }

    // --- fresh on-call data ---------------------------------------------------------------------

    @Test
    void aShiftChangeDropsTheCachedEntriesSoTheNextCheckSeesTheNewShift() throws Throwable {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));
        assertThat(entriesCalls(PRIMARY)).isEqualTo(1); // cached within the staleness bound
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"));

        deliver(ORG, SECRET, "msg_shift", NOW, shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com")))
                .statusCode(202);
        assertThat(drain()).isEqualTo(1);

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(false)).body("code", equalTo("NOT_ON_CALL"));
        assertThat(entriesCalls(PRIMARY)).isEqualTo(2);
        assertThat(delivery("msg_shift").getString("status")).isEqualTo("DONE");
        assertThat(delivery("msg_shift").getOffsetDateTime("processed_at")).isNotNull();
        assertThat(delivery("msg_shift").getString("outcome")).contains("cached entries dropped");
    }

    @Test
    void withoutADeliveryTheCacheAnswersUntilItsBound() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));
        assertThat(entriesCalls(PRIMARY)).isEqualTo(1);
    }

    @Test
    void aScheduleUpdateDropsOnlyThatSchedulesEntries() throws Throwable {
        autoCheck(ORG, "ada@example.com", null).statusCode(200);
        deliver(ORG, SECRET, "msg_upd", NOW, scheduleUpdated(SECONDARY)).statusCode(202);
        drain();
        autoCheck(ORG, "ada@example.com", null).statusCode(200);
        assertThat(entriesCalls(PRIMARY)).isEqualTo(1);
        assertThat(entriesCalls(SECONDARY)).isEqualTo(2);
    }

    // --- grants that end with the shift ---------------------------------------------------------

    /**
     * The path production takes: the receiver kicks the processor on a context of its own (tests
     * otherwise drain on theirs). A shift change worked there opens database sessions; the context
     * must allow it, or the grant would stay until the poll retried (the webhook benchmark found it).
     */
    @Test
    void aShiftChangeWorkedOnReceiptEndsTheGrantAtOnce() throws Throwable {
        String id = request("ada@example.com").body("status", equalTo("APPROVED")).extract().path("id");
        deliver(ORG, SECRET, "msg_kicked", NOW, shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com")))
                .statusCode(202);
        processor.kick();
        for (int i = 0; i < 100 && "PENDING".equals(delivery("msg_kicked").getString("status")); i++) {
            Thread.sleep(50);
        }
        assertThat(delivery("msg_kicked").getString("status")).isEqualTo("DONE");
        assertThat(delivery("msg_kicked").getInteger("attempts")).as("worked at the first attempt").isEqualTo(1);
        show(id).body("status", equalTo("EXPIRED")).body("auditTrail.action", hasItem("GRANT_ENDED_BY_SHIFT_CHANGE"));
    }

    @Test
    void aShiftChangeEndsTheAutoApprovedGrantItJustified() throws Throwable {
        String id = request("ada@example.com").body("status", equalTo("APPROVED")).extract().path("id");
        clock.set(NOW.plus(Duration.ofMinutes(10)));
        deliver(ORG, SECRET, "msg_end", NOW.plus(Duration.ofMinutes(10)),
                shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com"))).statusCode(202);
        drain();
        show(id).body("status", equalTo("EXPIRED"))
                .body("grantExpiresAt", equalTo(NOW.plus(Duration.ofMinutes(10)).toString()))
                .body("endedReason", containsString("shift change on schedule " + PRIMARY))
                .body("auditTrail.action", hasItem("GRANT_ENDED_BY_SHIFT_CHANGE"))
                .body("auditTrail.find { it.action == 'GRANT_ENDED_BY_SHIFT_CHANGE' }.detail", containsString("msg_end"));
        assertThat(delivery("msg_end").getString("outcome")).contains("1 grant(s) ended");
        // Worked again (a second replica, a retry): nothing more happens.
        pool.query("update webhook_delivery set status = 'PENDING'").execute().await().indefinitely();
        drain();
        show(id).body("auditTrail.findAll { it.action == 'GRANT_ENDED_BY_SHIFT_CHANGE' }.size()", equalTo(1));
        // The approval backend hears of it without polling the request: one grant_ended event, worked twice or not.
        given().get(base(ORG) + "/events?type=access_request.grant_ended").then().statusCode(200)
                .body("events.requestId", org.hamcrest.Matchers.contains(id))
                .body("events[0].endedReason", containsString("shift change on schedule " + PRIMARY))
                .body("events[0].data.status", equalTo("EXPIRED"));
    }

    @Test
    void anAutoStepMayCapTheGrantAtTheEndOfTheShiftThatJustifiedIt() {
        putPolicy(ORG, """
                {"rules": [{"name": "capped", "approval": [{"type": "auto", "integration": "incidentio",
                  "options": {"grantUntilShiftEnd": true}}]}]}""").statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofMinutes(25)), "Ada", "ada@example.com"));
        request("ada@example.com").body("status", equalTo("APPROVED"))
                .body("grantExpiresAt", equalTo(NOW.plus(Duration.ofMinutes(25)).toString()))
                .body("autoApproval.explanation", containsString("until the shift ends at"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("expiresAt", equalTo(NOW.plus(Duration.ofMinutes(25)).toString()));
        given().get(base(ORG) + "/access-policy").then().body("rules[0].approval[0].options.grantUntilShiftEnd", equalTo(true));
    }

    @Test
    void aShiftChangeThatStillListsTheRequesterEndsNothingWhateverTheSpelling() throws Throwable {
        String id = request("ada@example.com").extract().path("id");
        deliver(ORG, SECRET, "msg_keep", NOW, shiftChange(PRIMARY, List.of("grace@example.com", "ADA@Example.COM"), List.of()))
                .statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED")).body("endedReason", nullValue());
    }

    static final String ROT_DAY = "01ROTDAY000000000000000001";
    static final String ROT_NIGHT = "01ROTNIGHT0000000000000002";
    static final String LAYER_ONE = "01LAYERONE0000000000000001";

    /** Auto-approval counts only the day rotation of the primary schedule; Ada holds it, then moves to the night one. */
    private String adaApprovedOnTheDayRotation() {
        stubs.scheduleWithRotations(PRIMARY, IncidentIoStubs.rotation(ROT_DAY, LAYER_ONE), IncidentIoStubs.rotation(ROT_NIGHT, LAYER_ONE));
        putPolicy(ORG, """
                {"rules": [{"name": "day rota", "approval": [{"type": "auto", "integration": "incidentio", "rotations": ["%s"]}]}]}"""
                .formatted(ROT_DAY)).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com",
                ROT_DAY, LAYER_ONE));
        return request("ada@example.com").body("status", equalTo("APPROVED")).extract().path("id");
    }

    @Test
    void aRequesterStillListedButMovedToARotationTheStepDoesNotCountLosesTheGrant() throws Throwable {
        String id = adaApprovedOnTheDayRotation();
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofMinutes(5)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com",
                ROT_NIGHT, LAYER_ONE));
        deliver(ORG, SECRET, "msg_moved", NOW, shiftChange(PRIMARY, List.of("ada@example.com"), List.of("ada@example.com")))
                .statusCode(202);
        drain();
        show(id).body("status", equalTo("EXPIRED"))
                .body("endedReason", containsString("in the rotations its step counts"))
                .body("auditTrail.action", hasItem("GRANT_ENDED_BY_SHIFT_CHANGE"));
    }

    @Test
    void aRequesterStillListedAndStillInACountedRotationKeepsTheGrantAfterIncidentIoIsAskedAgain() throws Throwable {
        String id = adaApprovedOnTheDayRotation();
        int before = entriesCalls(PRIMARY);
        deliver(ORG, SECRET, "msg_stays", NOW, shiftChange(PRIMARY, List.of("ada@example.com", "grace@example.com"), List.of()))
                .statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED")).body("endedReason", nullValue());
        assertThat(entriesCalls(PRIMARY)).as("the rotation is not in the event: incident.io is asked").isEqualTo(before + 1);
    }

    @Test
    void aRequesterStillListedForAStepCountingEveryRotationKeepsTheGrantWithoutAskingIncidentIo() throws Throwable {
        String id = request("ada@example.com").body("status", equalTo("APPROVED")).extract().path("id");
        int before = entriesCalls(PRIMARY);
        deliver(ORG, SECRET, "msg_listed", NOW, shiftChange(PRIMARY, List.of("ada@example.com"), List.of())).statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED"));
        assertThat(entriesCalls(PRIMARY)).isEqualTo(before);
    }

    @Test
    void aLookAlikeEmailDoesNotKeepTheGrant() throws Throwable {
        String id = request("ada@example.com").extract().path("id");
        deliver(ORG, SECRET, "msg_look", NOW, shiftChange(PRIMARY, List.of("ada@example.com.evil.test", "ada@examp1e.com"), List.of()))
                .statusCode(202);
        drain();
        show(id).body("status", equalTo("EXPIRED"));
    }

    @Test
    void aShiftChangeOnAScheduleThatDidNotJustifyTheGrantEndsNothing() throws Throwable {
        String id = request("ada@example.com").extract().path("id");
        deliver(ORG, SECRET, "msg_other", NOW, shiftChange(SECONDARY, List.of("grace@example.com"), List.of())).statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED"));
    }

    @Test
    void aGrantJustifiedTwiceEndsOnlyWhenNeitherScheduleHasTheRequester() throws Throwable {
        adaOnCall(SECONDARY);
        String id = request("ada@example.com").body("autoApproval.evidence.scheduleId", org.hamcrest.Matchers.hasItems(PRIMARY, SECONDARY))
                .extract().path("id");
        deliver(ORG, SECRET, "msg_p", NOW, shiftChange(PRIMARY, List.of("grace@example.com"), List.of())).statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED")); // still on call for SECONDARY (asked of incident.io)

        nobodyOnCall(SECONDARY);
        entriesCache.invalidateAll().await().indefinitely();
        deliver(ORG, SECRET, "msg_p2", NOW, shiftChange(PRIMARY, List.of("grace@example.com"), List.of())).statusCode(202);
        drain();
        show(id).body("status", equalTo("EXPIRED"));
    }

    @Test
    void whenIncidentIoCannotBeAskedTheDeliveryIsRetriedAndTheGrantEndsLater() throws Throwable {
        adaOnCall(SECONDARY);
        String id = request("ada@example.com").extract().path("id");
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(IncidentIoStubs.entriesRequest(SECONDARY, NOW.toString(), NOW)
                .willReturn(aResponse().withStatus(500)).atPriority(1));
        deliver(ORG, SECRET, "msg_retry", NOW, shiftChange(PRIMARY, List.of(), List.of("ada@example.com"))).statusCode(202);
        drain();
        Row row = delivery("msg_retry");
        assertThat(row.getString("status")).isEqualTo("PENDING");
        assertThat(row.getInteger("attempts")).isEqualTo(1);
        show(id).body("status", equalTo("APPROVED"));

        nobodyOnCall(SECONDARY);
        wiremock.resetMappings();
        stubs.entries(SECONDARY, NOW);
        clock.set(NOW.plus(Duration.ofMinutes(1))); // past the back-off (at most a few seconds)
        stubs.entries(SECONDARY, NOW.plus(Duration.ofMinutes(1)));
        drain();
        assertThat(delivery("msg_retry").getString("status")).isEqualTo("DONE");
        show(id).body("status", equalTo("EXPIRED"));
    }

    @Test
    void aGrantAPersonApprovedIsNotTouched() throws Throwable {
        putPolicy(ORG, """
                {"rules": [{"name": "databases", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["%s"], "options": {"allowOneParty": true}}]}]}""".formatted(SECONDARY)).statusCode(200);
        adaOnCall(SECONDARY);
        String id = request("ada@example.com").body("status", equalTo("PENDING")).extract().path("id");
        given().contentType("application/json").body(Map.of("approver", "ada@example.com", "decision", "APPROVE"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then().statusCode(201);
        deliver(ORG, SECRET, "msg_manual", NOW, shiftChange(SECONDARY, List.of(), List.of("ada@example.com"))).statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED"));
    }

    // --- two-way pages --------------------------------------------------------------------------

    private String escalatedRequest() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        putPolicy(ORG, """
                {"rules": [{"name": "databases", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["%s"]}]}]}""".formatted(SECONDARY)).statusCode(200);
        String id = request("bob@example.com").body("status", equalTo("PENDING")).extract().path("id");
        given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
        VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());
        show(id).body("incident.id", equalTo(INCIDENT_ID));
        return id;
    }

    @Test
    void aResolvedIncidentIsRecordedAndTheRequestStaysPendingByDefault() throws Throwable {
        String id = escalatedRequest();
        deliver(ORG, SECRET, "msg_live", NOW, incidentStatusUpdated(INCIDENT_ID, "live")).statusCode(202);
        drain();
        show(id).body("incident.status", equalTo("live")).body("incident.closedAt", nullValue());
        deliver(ORG, SECRET, "msg_closed", NOW, incidentStatusUpdated(INCIDENT_ID, "closed")).statusCode(202);
        drain();
        show(id).body("status", equalTo("PENDING"))
                .body("incident.status", equalTo("closed"))
                .body("incident.closedAt", equalTo(NOW.toString()))
                .body("auditTrail.action", hasItem("INCIDENT_RESOLVED"));
    }

    @Test
    void anOrganizationMayCloseThePendingRequestWhenTheIncidentIsResolved() throws Throwable {
        given().contentType("application/json").body(Map.of("signingSecret", SECRET, "closeRequestOnIncidentResolved", true))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        String id = escalatedRequest();
        deliver(ORG, SECRET, "msg_closed", NOW, incidentStatusUpdated(INCIDENT_ID, "closed")).statusCode(202);
        drain();
        show(id).body("status", equalTo("DENIED"))
                .body("decisions.size()", equalTo(0))
                .body("endedReason", containsString("closed in incident.io before anyone decided"))
                .body("auditTrail.find { it.action == 'INCIDENT_RESOLVED' }.detail", containsString("closed as not approved"));
        given().get(base(ORG) + "/events?type=access_request.incident_resolved").then().statusCode(200)
                .body("events.requestId", org.hamcrest.Matchers.contains(id)).body("events[0].data.status", equalTo("DENIED"))
                .body("events[0].endedReason", containsString("before anyone decided"));
        // Nobody can decide it any more.
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then().statusCode(409);
    }

    @Test
    void aDecidedRequestIsNotReopenedOrClosedByALateResolution() throws Throwable {
        given().contentType("application/json").body(Map.of("signingSecret", SECRET, "closeRequestOnIncidentResolved", true))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        String id = escalatedRequest();
        stubs.entries(SECONDARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"));
        entriesCache.invalidateAll().await().indefinitely();
        stubs.incidentEdited(INCIDENT_ID);
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then().statusCode(201);
        deliver(ORG, SECRET, "msg_late", NOW, incidentStatusUpdated(INCIDENT_ID, "closed")).statusCode(202);
        drain();
        show(id).body("status", equalTo("APPROVED")).body("endedReason", nullValue()).body("incident.status", equalTo("closed"));
    }

    @Test
    void aPrivateIncidentsUpdateIsLookedUpInIncidentIo() throws Throwable {
        String id = escalatedRequest();
        wiremock.register(get(urlEqualTo("/v2/incidents/" + INCIDENT_ID)).willReturn(okJson(
                IncidentIoStubs.incident(INCIDENT_ID, "INC-7").replace("\"category\": \"triage\"", "\"category\": \"learning\""))));
        deliver(ORG, SECRET, "msg_priv", NOW, privateIncidentUpdated(INCIDENT_ID)).statusCode(202);
        drain();
        show(id).body("incident.status", equalTo("learning")).body("incident.closedAt", notNullValue());
        // An incident of no request is not looked up at all.
        deliver(ORG, SECRET, "msg_priv2", NOW, privateIncidentUpdated("01INCIDENTNOTOURS000000001")).statusCode(202);
        drain();
        assertThat(wiremock.find(getRequestedFor(urlEqualTo("/v2/incidents/01INCIDENTNOTOURS000000001")))).isEmpty();
        assertThat(delivery("msg_priv2").getString("outcome")).contains("no request has incident");
    }

    @Test
    void eventsNotActedOnAreRecordedAndDone() throws Throwable {
        deliver(ORG, SECRET, "msg_misc", NOW, "{\"event_type\": \"public_incident.incident_created_v2\", \"x\": {}}").statusCode(202);
        deliver(ORG, SECRET, "msg_malformed", NOW, "{\"event_type\": \"schedule.shift_change_v1\"}").statusCode(202);
        drain();
        assertThat(delivery("msg_misc").getString("status")).isEqualTo("DONE");
        assertThat(delivery("msg_malformed").getString("outcome")).contains("ignored");
        given().get(base(ORG) + "/access-requests").then().body("requests.size()", equalTo(0))
                .body("requests.status", not(hasItem("EXPIRED")));
    }
}
