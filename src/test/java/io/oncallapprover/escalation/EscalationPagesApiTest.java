package io.oncallapprover.escalation;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.IncidentIoStubs.rotation;
import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.oncallapprover.testsupport.IncidentIoStubs.userId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.oncallapprover.request.GrantExpiryJob;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.oncallapprover.testsupport.SignedDeliveries;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Paging without an incident: an escalation step with {@code page: escalation} pages through
 * incident.io escalations (to its escalation path, or to the people on call for its schedules in its
 * rotations), through the outbox, with keys derived from the request; the escalations are cancelled
 * when the request is decided or lapses, and never sent for a request already over.
 */
@QuarkusTest
@ConnectWireMock
class EscalationPagesApiTest extends ApiTestBase {

    static final String AUTO = PRIMARY;
    static final String DB = SECONDARY;
    static final String OTHER = "01SCHEDOTHER00000000000003";
    static final String PATH = "01ESCPATH0000000000000001";
    static final String ROT_A = "01ROTA00000000000000000001";
    static final String ROT_B = "01ROTB00000000000000000002";
    static final String LAYER = "01LAYER00000000000000000001";
    static final String ESCALATION_ID = "01ESCALATION0000000000042";

    @Inject
    IncidentOutboxWorker outbox;

    @Inject
    GrantExpiryJob expiry;

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, AUTO);
        stubs.scheduleExists(OTHER);
        stubs.scheduleWithRotations(DB, rotation(ROT_A, LAYER), rotation(ROT_B, LAYER));
        stubs.entries(AUTO, NOW);
        // Grace holds rotation A of the approvers' schedule, Linus rotation B; Olga is on call for another schedule.
        stubs.entries(DB, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com",
                ROT_A, LAYER), entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Linus", "linus@example.com",
                        ROT_B, LAYER));
        stubs.entries(OTHER, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Olga", "olga@example.com"));
        stubs.escalationPathExists(PATH);
        stubs.escalationCreated(ESCALATION_ID);
        stubs.escalationCancellable(ESCALATION_ID);
    }

    /** An escalation step of {@code schedule} with these extra options (JSON members) and members (rotations). */
    private static String step(String schedule, String options, String members) {
        return "{\"type\": \"escalation\", \"integration\": \"incidentio\", \"services\": [\"" + schedule + "\"]"
                + (members.isEmpty() ? "" : ", " + members) + ", \"options\": {" + options + "}}";
    }

    private void policy(String... steps) {
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + String.join(",", steps) + "]}]}").statusCode(200);
    }

    private String pending() {
        return given().contentType("application/json").body(Map.of("requester", "bob@example.com", "reason", "Fix the stuck migration",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).body("status", equalTo("PENDING"))
                .extract().path("id");
    }

    private ValidatableResponse escalate(String id) {
        return given().post(base(ORG) + "/access-requests/" + id + "/escalate").then();
    }

    private ValidatableResponse decide(String id, String approver, String decision) {
        return given().contentType("application/json").body(Map.of("approver", approver, "decision", decision))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then();
    }

    private ValidatableResponse show(String id) {
        return given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    private int drain() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());
    }

    private List<JsonNode> escalationCreates() throws Exception {
        List<JsonNode> bodies = new java.util.ArrayList<>();
        for (LoggedRequest r : wiremock.find(postRequestedFor(urlEqualTo("/v2/escalations")))) {
            bodies.add(new ObjectMapper().readTree(r.getBodyAsString()));
        }
        return bodies;
    }

    private int cancels() {
        return wiremock.find(postRequestedFor(urlMatching("/v2/escalations/.*/actions/cancel"))).size();
    }

    private long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().indefinitely().iterator().next().getLong(0);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void aStepPagingItsEscalationPathOpensNoIncidentAndTheDecisionCancelsTheEscalation() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        given().get(base(ORG) + "/access-policy").then()
                .body("rules[0].approval[0].options.page", equalTo("escalation"))
                .body("rules[0].approval[0].options.escalationPath", equalTo(PATH));
        String id = pending();

        escalate(id).statusCode(202).body("escalation.page", equalTo("escalation")).body("incident.state", equalTo("NONE"))
                .body("escalations.state", contains("PENDING"));
        assertThat(escalationCreates()).as("never on the caller's path").isEmpty();
        assertThat(drain()).isEqualTo(1);

        List<JsonNode> creates = escalationCreates();
        assertThat(creates).hasSize(1);
        JsonNode body = creates.get(0);
        assertThat(body.path("idempotency_key").asText()).isEqualTo("oncall-approver:access-request:" + id + ":escalation:0");
        assertThat(body.path("escalation_path_id").asText()).isEqualTo(PATH);
        assertThat(body.has("user_ids")).as("a path target sends no users").isFalse();
        assertThat(body.path("title").asText()).contains("bob@example.com").contains("postgres/prod-db");
        assertThat(body.path("description").asText()).contains("> Fix the stuck migration").contains(DB);
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents")));
        show(id).body("escalations[0].state", equalTo("CREATED")).body("escalations[0].id", equalTo(ESCALATION_ID))
                .body("escalations[0].escalationPathId", equalTo(PATH))
                .body("escalations[0].schedules", empty())
                .body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "ESCALATION_CREATED"));

        // Who may decide is unchanged by how they were paged: the on-call people of the step's schedule.
        decide(id, "olga@example.com", "APPROVE").statusCode(403).body("code", equalTo("NOT_ON_CALL"));
        decide(id, "grace@example.com", "APPROVE").statusCode(201);
        assertThat(cancels()).as("after the commit, through the outbox").isZero();
        assertThat(drain()).isEqualTo(1);
        assertThat(cancels()).isEqualTo(1);
        wiremock.verifyThat(1, postRequestedFor(urlEqualTo("/v2/escalations/" + ESCALATION_ID + "/actions/cancel")));
        show(id).body("status", equalTo("APPROVED")).body("escalations[0].state", equalTo("CANCELLED"))
                .body("auditTrail.action", hasItem("ESCALATION_CANCELLED"));
        assertThat(drain()).isZero();
        assertThat(cancels()).isEqualTo(1);
    }

    @Test
    void withoutAPathOnlyThePeopleOnCallInTheStepsRotationsArePaged() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\"", "\"rotations\": [\"" + ROT_A + "\"]"));
        String id = pending();
        escalate(id).statusCode(202);
        drain();

        List<JsonNode> creates = escalationCreates();
        assertThat(creates).hasSize(1);
        assertThat(creates.get(0).has("escalation_path_id")).isFalse();
        assertThat(creates.get(0).path("user_ids")).extracting(JsonNode::asText).containsExactly(userId("Grace"));
        show(id).body("escalations[0].userIds", contains(userId("Grace")))
                .body("escalations[0].schedules", contains(DB))
                .body("escalations[0].escalationPathId", nullValue());
        // Linus, on the schedule but in another rotation, was not paged, and may not decide.
        decide(id, "linus@example.com", "APPROVE").statusCode(403).body("code", equalTo("NOT_ON_CALL"));
    }

    @Test
    void stepsOfTwoRulesPageEachPathOnceAndThePeopleOfTheOthersInOneEscalationTheDisabledRuleNone() throws Throwable {
        putPolicy(ORG, """
                {"rules": [
                  {"name": "a", "approval": [%s, %s]},
                  {"name": "b", "approval": [%s]},
                  {"name": "off", "disabled": true, "approval": [%s]}
                ]}""".formatted(
                step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""),
                step(OTHER, "\"page\": \"escalation\"", ""),
                step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""),
                step(OTHER, "\"page\": \"incident\"", ""))).statusCode(200);
        String id = pending();
        escalate(id).statusCode(202).body("escalations.escalationPathId", contains(PATH, null));
        assertThat(drain()).isEqualTo(2);

        List<JsonNode> creates = escalationCreates();
        assertThat(creates).extracting(b -> b.path("idempotency_key").asText()).containsExactlyInAnyOrder(
                "oncall-approver:access-request:" + id + ":escalation:0", "oncall-approver:access-request:" + id + ":escalation:1");
        JsonNode people = creates.stream().filter(b -> b.has("user_ids")).findFirst().orElseThrow();
        assertThat(people.path("user_ids")).extracting(JsonNode::asText).containsExactly(userId("Olga"));
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents")));
    }

    @Test
    void oneEligibleStepPagingByIncidentMakesThePageAnIncident() throws Throwable {
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-42");
        putPolicy(ORG, """
                {"rules": [
                  {"name": "a", "approval": [%s]},
                  {"name": "b", "approval": [%s]}
                ]}""".formatted(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""),
                step(OTHER, "", ""))).statusCode(200);
        String id = pending();
        escalate(id).statusCode(202).body("escalation.page", equalTo("incident")).body("incident.state", equalTo("PENDING"))
                .body("escalations", empty());
        drain();
        wiremock.verifyThat(1, postRequestedFor(urlEqualTo("/v2/incidents")));
        assertThat(escalationCreates()).isEmpty();
    }

    @Test
    void aStepWhoseReasonIsMissingDoesNotDecideHowThePageGoes() throws Throwable {
        // The escalation step needing a reason is not eligible; the one that pages by escalation is.
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-42");
        putPolicy(ORG, """
                {"rules": [{"name": "a", "approval": [%s, %s]}]}""".formatted(
                step(OTHER, "\"requireReason\": true", ""),
                step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""))).statusCode(200);
        String id = given().contentType("application/json").body(Map.of("requester", "bob@example.com",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
        escalate(id).statusCode(202).body("escalation.page", equalTo("escalation"));
        drain();
        assertThat(escalationCreates()).hasSize(1);
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents")));
    }

    @Test
    void escalatingTwiceSendsOneEscalationAndASendWhoseCommitWasLostIsRepeatedWithTheSameKey() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        escalate(id).statusCode(202);
        escalate(id).statusCode(202).body("escalations.state", contains("PENDING"));
        assertThat(count("select count(*) from page_escalation where request_id = $1", id)).isEqualTo(1);
        assertThat(count("select count(*) from outbox_task where request_id = $1", id)).isEqualTo(1);
        assertThat(drain()).isEqualTo(1);

        // The process died after incident.io made the escalation, before the commit: the task is due again.
        pool.preparedQuery("update outbox_task set status = 'PENDING', attempts = 0 where request_id = $1").execute(Tuple.of(id))
                .await().indefinitely();
        pool.preparedQuery("update page_escalation set state = 'PENDING', escalation_id = null where request_id = $1")
                .execute(Tuple.of(id)).await().indefinitely();
        assertThat(drain()).isEqualTo(1);

        List<JsonNode> creates = escalationCreates();
        assertThat(creates).hasSize(2).extracting(b -> b.path("idempotency_key").asText()).containsOnly(
                "oncall-approver:access-request:" + id + ":escalation:0");
        show(id).body("escalations.id", contains(ESCALATION_ID)).body("escalations.state", contains("CREATED"));
        escalate(id).statusCode(202);
        assertThat(drain()).isZero();
        assertThat(escalationCreates()).hasSize(2);
    }

    private void graceOnCallNow() {
        stubs.entries(DB, clock.instant(), entry(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(4)),
                "Grace", "grace@example.com", ROT_A, LAYER));
        entriesCache.invalidateAll().await().indefinitely();
    }

    /** The row and task as a crash leaves them after incident.io made the escalation, before the commit. */
    private void loseTheCommitOfTheSend(String id) {
        pool.preparedQuery("update outbox_task set status = 'PENDING', attempts = 1 where request_id = $1 and kind = 'CREATE_ESCALATION'")
                .execute(Tuple.of(id)).await().indefinitely();
        pool.preparedQuery("update page_escalation set state = 'PENDING', escalation_id = null where request_id = $1")
                .execute(Tuple.of(id)).await().indefinitely();
        // Its ESCALATION_CREATED event stays: the audit trail is append-only (V15), even to this test. A lost commit would
        // not have written it; what follows reads incident.io's calls and the rows above, not the trail.
    }

    @Test
    void aSendWhoseCommitWasLostBeforeTheDecisionIsAskedForAgainAndCancelledNotForgotten() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        escalate(id).statusCode(202);
        drain();
        loseTheCommitOfTheSend(id);
        decide(id, "grace@example.com", "DENY").statusCode(201);

        drain(); // the create again: the request is over, but incident.io may have the escalation
        drain(); // then its cancel
        assertThat(escalationCreates()).extracting(b -> b.path("idempotency_key").asText()).hasSize(2)
                .containsOnly("oncall-approver:access-request:" + id + ":escalation:0");
        wiremock.verifyThat(1, postRequestedFor(urlEqualTo("/v2/escalations/" + ESCALATION_ID + "/actions/cancel")));
        show(id).body("status", equalTo("DENIED")).body("escalations.state", contains("CANCELLED"));
    }

    @Test
    void anEscalationWhoseCreationFailedAfterASendIsAskedForAndCancelledOnDecisionOneNeverMadeIsNot() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        wiremock.register(post(urlEqualTo("/v2/escalations")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody("{\"type\": \"internal_error\", \"status\": 500}")));
        String id = pending();
        escalate(id).statusCode(202);
        for (int i = 0; i < 20 && !"FAILED".equals(show(id).extract().path("escalations[0].state")); i++) {
            drain();
            clock.advance(Duration.ofMinutes(10));
        }
        show(id).body("escalations[0].state", equalTo("FAILED"));
        int failedSends = escalationCreates().size();

        // A 500 does not say whether incident.io made it: on the decision it is asked for with its key, and cancelled.
        stubs.escalationCreated(ESCALATION_ID);
        graceOnCallNow();
        decide(id, "grace@example.com", "DENY").statusCode(201);
        drain();
        assertThat(escalationCreates()).hasSize(failedSends + 1);
        assertThat(cancels()).isEqualTo(1);
        show(id).body("escalations[0].state", equalTo("CANCELLED")).body("escalations[0].id", equalTo(ESCALATION_ID));

        // One refused outright (422) was never made: nothing to cancel.
        wiremock.resetRequests();
        wiremock.register(post(urlEqualTo("/v2/escalations")).willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/json").withBody("{\"type\": \"validation_error\", \"status\": 422}")));
        String refused = pending();
        escalate(refused).statusCode(202);
        for (int i = 0; i < 20 && !"FAILED".equals(show(refused).extract().path("escalations[0].state")); i++) {
            drain();
            clock.advance(Duration.ofMinutes(10));
        }
        graceOnCallNow();
        decide(refused, "grace@example.com", "DENY").statusCode(201);
        drain();
        assertThat(cancels()).isZero();
        show(refused).body("escalations[0].state", equalTo("FAILED"));
        assertThat(count("select count(*) from outbox_task where request_id = $1 and kind = 'CANCEL_ESCALATION' and status = 'DONE'",
                refused)).isEqualTo(1);
    }

    @Test
    void aRetryPagesThePeopleOfItsFirstSendNotThoseOnCallNow() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\"", "\"rotations\": [\"" + ROT_A + "\"]"));
        wiremock.register(post(urlEqualTo("/v2/escalations")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json").withBody("{\"type\": \"unavailable\", \"status\": 503}")));
        String id = pending();
        escalate(id).statusCode(202);
        drain();
        // The shift changes before the retry: Lena holds rotation A now.
        clock.advance(Duration.ofMinutes(10));
        stubs.entries(DB, clock.instant(), entry(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(4)),
                "Lena", "lena@example.com", ROT_A, LAYER));
        entriesCache.invalidateAll().await().indefinitely();
        stubs.escalationCreated(ESCALATION_ID);
        assertThat(drain()).isEqualTo(1);

        List<JsonNode> creates = escalationCreates();
        assertThat(creates.size()).isGreaterThanOrEqualTo(2);
        for (JsonNode body : creates) { // one key, one body: what incident.io may already have made
            assertThat(body.path("user_ids")).extracting(JsonNode::asText).containsExactly(userId("Grace"));
        }
        show(id).body("escalations[0].state", equalTo("CREATED")).body("escalations[0].userIds", contains(userId("Grace")));
    }

    @Test
    void aRequestDecidedBeforeItsEscalationWentOutIsNeverPagedAndNothingIsCancelled() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        escalate(id).statusCode(202);
        decide(id, "grace@example.com", "DENY").statusCode(201);

        drain();
        drain();
        assertThat(escalationCreates()).isEmpty();
        assertThat(cancels()).isZero();
        show(id).body("status", equalTo("DENIED")).body("escalations.state", contains("NOT_SENT"));
        assertThat(count("select count(*) from outbox_task where request_id = $1 and status = 'DONE'", id)).isEqualTo(2);
    }

    @Test
    void anEscalationOfARequestThatLapsesUndecidedIsCancelled() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        escalate(id).statusCode(202);
        drain();
        assertThat(escalationCreates()).hasSize(1);

        clock.advance(Duration.ofHours(25));
        VertxContextSupport.subscribeAndAwait(() -> expiry.expireDue());
        drain();
        assertThat(cancels()).isEqualTo(1);
        show(id).body("status", equalTo("EXPIRED")).body("escalations.state", contains("CANCELLED"));
    }

    @Test
    void nobodyToPageFailsTheEscalationAfterItsAttemptsAndEscalatingAgainSendsItWithTheSameKey() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\"", "\"rotations\": [\"" + ROT_A + "\"]"));
        stubs.entries(DB, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Linus", "linus@example.com",
                ROT_B, LAYER));
        String id = pending();
        escalate(id).statusCode(202);
        for (int i = 0; i < 20 && !"FAILED".equals(show(id).extract().path("escalations[0].state")); i++) {
            drain();
            clock.advance(Duration.ofMinutes(10)); // past any back-off
            stubs.entries(DB, clock.instant(), entry(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(4)),
                    "Linus", "linus@example.com", ROT_B, LAYER));
        }
        assertThat(escalationCreates()).as("nobody in rotation A: nobody is paged").isEmpty();
        show(id).body("escalations[0].state", equalTo("FAILED"))
                .body("escalations[0].error", org.hamcrest.Matchers.containsString("nobody"))
                .body("auditTrail.action", hasItem("ESCALATION_CREATE_FAILED"));

        // Grace takes rotation A; escalating again arms the same escalation.
        stubs.entries(DB, clock.instant(), entry(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(4)),
                "Grace", "grace@example.com", ROT_A, LAYER));
        entriesCache.invalidateAll().await().indefinitely();
        escalate(id).statusCode(202).body("escalations[0].state", equalTo("PENDING")).body("escalations[0].error", nullValue());
        assertThat(drain()).isEqualTo(1);
        List<JsonNode> creates = escalationCreates();
        assertThat(creates).hasSize(1);
        assertThat(creates.get(0).path("idempotency_key").asText()).isEqualTo("oncall-approver:access-request:" + id + ":escalation:0");
        assertThat(creates.get(0).path("user_ids")).extracting(JsonNode::asText).containsExactly(userId("Grace"));
        assertThat(count("select count(*) from page_escalation where request_id = $1", id)).isEqualTo(1);
    }

    @Test
    void aRateLimitedEscalationIsSentLaterNotLost() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        wiremock.register(post(urlEqualTo("/v2/escalations")).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"too_many_requests\", \"status\": 429, \"request_id\": \"r-429\"}")));
        String id = pending();
        escalate(id).statusCode(202);
        drain();
        show(id).body("escalations[0].state", equalTo("PENDING"));
        assertThat(drain()).as("waits for what incident.io asked").isZero();

        stubs.escalationCreated(ESCALATION_ID);
        clock.advance(Duration.ofSeconds(31));
        assertThat(drain()).isEqualTo(1);
        show(id).body("escalations[0].state", equalTo("CREATED"));
    }

    @Test
    void concurrentEscalationsOfOneRequestMakeOneSetOfEscalations() throws Exception {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(4);
        List<java.util.concurrent.CompletableFuture<Integer>> racers = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    together.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return escalate(id).extract().statusCode();
            }));
        }
        for (var racer : racers) {
            assertThat(racer.get()).as("each answer says the page is under way").isEqualTo(202);
        }
        assertThat(count("select count(*) from page_escalation where request_id = $1", id)).isEqualTo(1);
        assertThat(count("select count(*) from outbox_task where request_id = $1", id)).isEqualTo(1);
        show(id).body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED"));
    }

    @Test
    void twoReplicasDrainingAtOnceSendEachEscalationOnce() throws Exception {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = pending();
            escalate(id).statusCode(202);
            ids.add(id);
        }
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        List<java.util.concurrent.CompletableFuture<Integer>> workers = new java.util.ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    together.await();
                    return VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce());
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        int claimed = 0;
        for (var worker : workers) {
            claimed += worker.get();
        }
        assertThat(claimed).isEqualTo(6);
        assertThat(escalationCreates()).extracting(b -> b.path("idempotency_key").asText()).hasSize(6).doesNotHaveDuplicates();
        for (String id : ids) {
            show(id).body("escalations.state", contains("CREATED"));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // What incident.io reports of the escalations (signed webhooks)

    @Inject
    io.oncallapprover.webhook.WebhookProcessor webhooks;

    private void webhooksSet(boolean closeRequests) {
        given().contentType("application/json").body(Map.of("signingSecret", SignedDeliveries.SECRET,
                "closeRequestOnIncidentResolved", closeRequests)).put(base(ORG) + "/integrations/incidentio/webhook").then()
                .statusCode(200);
    }

    private String escalatedByPath() throws Throwable {
        policy(step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""));
        String id = pending();
        escalate(id).statusCode(202);
        drain();
        show(id).body("escalations.state", contains("CREATED"));
        return id;
    }

    private void deliver(String org, String webhookId, String body) throws Throwable {
        SignedDeliveries.deliver(org, SignedDeliveries.SECRET, webhookId, NOW, body).statusCode(202);
        VertxContextSupport.subscribeAndAwait(() -> webhooks.drainOnce());
    }

    @Test
    void anEscalationResolvedInIncidentIoClosesThePendingRequestWhenTheOrganizationSaysSo() throws Throwable {
        webhooksSet(true);
        String id = escalatedByPath();
        deliver(ORG, "msg_acked", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "triggered", "acked"));
        show(id).body("status", equalTo("PENDING")).body("escalations[0].status", equalTo("acked"));

        deliver(ORG, "msg_resolved", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "acked", "resolved"));
        show(id).body("status", equalTo("DENIED")).body("decisions", empty())
                .body("endedReason", org.hamcrest.Matchers.containsString("resolved in incident.io before anyone decided"))
                .body("escalations[0].status", equalTo("resolved"))
                .body("auditTrail.find { it.action == 'ESCALATION_RESOLVED' }.detail",
                        org.hamcrest.Matchers.containsString("closed as not approved"));
        decide(id, "grace@example.com", "APPROVE").statusCode(409);
        // Ending the request cancels its escalations; this one is over in incident.io already, so nothing is sent.
        assertThat(drain()).isEqualTo(1);
        assertThat(cancels()).isZero();
        show(id).body("escalations[0].state", equalTo("CANCELLED"));
    }

    @Test
    void aRepeatedResolutionIsAuditedOnceAndALateStatusDoesNotReopenAnEscalation() throws Throwable {
        webhooksSet(false);
        String id = escalatedByPath();
        deliver(ORG, "msg_resolved", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "acked", "resolved"));
        deliver(ORG, "msg_resolved_again", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "acked", "resolved"));
        deliver(ORG, "msg_late", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "pending", "triggered"));
        show(id).body("status", equalTo("PENDING")).body("escalations[0].status", equalTo("resolved"))
                .body("auditTrail.findAll { it.action == 'ESCALATION_RESOLVED' }.size()", equalTo(1));
    }

    @Test
    void closingOnOneResolvedEscalationCancelsTheRequestsOtherEscalation() throws Throwable {
        webhooksSet(true);
        putPolicy(ORG, """
                {"rules": [{"name": "prod", "approval": [%s, %s]}]}""".formatted(
                step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""),
                step(OTHER, "\"page\": \"escalation\"", ""))).statusCode(200);
        String second = "01ESCALATION0000000000043";
        // Each escalation gets its own incident.io id, told apart by its key.
        wiremock.register(post(urlEqualTo("/v2/escalations"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.idempotency_key",
                        com.github.tomakehurst.wiremock.client.WireMock.containing(":escalation:1")))
                .atPriority(1).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody(IncidentIoStubs.escalation(second, "triggered"))));
        stubs.escalationCancellable(second);
        String id = pending();
        escalate(id).statusCode(202);
        assertThat(drain()).isEqualTo(2);
        show(id).body("escalations.id", contains(ESCALATION_ID, second));

        deliver(ORG, "msg_resolved", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "acked", "resolved"));
        show(id).body("status", equalTo("DENIED"));
        assertThat(drain()).isEqualTo(2);
        // The resolved one needs no cancelling; the other one still pages and is cancelled.
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/escalations/" + ESCALATION_ID + "/actions/cancel")));
        wiremock.verifyThat(1, postRequestedFor(urlEqualTo("/v2/escalations/" + second + "/actions/cancel")));
        show(id).body("escalations.state", contains("CANCELLED", "CANCELLED"));
    }

    @Inject
    io.oncallapprover.request.ReevaluationJob reevaluation;

    @Test
    void aRequestApprovedOnReevaluationHasItsEscalationCancelled() throws Throwable {
        putPolicy(ORG, """
                {"rules": [{"name": "prod", "approval": [{"type": "auto", "integration": "incidentio"}, %s]}]}""".formatted(
                step(DB, "\"page\": \"escalation\", \"escalationPath\": \"" + PATH + "\"", ""))).statusCode(200);
        // incident.io cannot be asked about the auto-approval schedule when Ada asks: she waits, and escalates.
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(io.oncallapprover.testsupport.IncidentIoStubs.entriesRequest(AUTO, NOW.toString(), NOW)
                .willReturn(aResponse().withStatus(503)).atPriority(1));
        String id = given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "hotfix",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201)
                .body("autoApproval.code", equalTo("UPSTREAM_UNAVAILABLE")).extract().path("id");
        escalate(id).statusCode(202);
        drain();
        show(id).body("escalations.state", contains("CREATED"));

        // incident.io answers again, with Ada on call: approved on re-evaluation, and the page stops.
        clock.advance(Duration.ofMinutes(6));
        breaker.reset();
        stubs.entries(AUTO, clock.instant(), entry(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(4)),
                "Ada", "ada@example.com"));
        assertThat(VertxContextSupport.<Integer> subscribeAndAwait(() -> reevaluation.reevaluateDue())).isEqualTo(1);
        show(id).body("status", equalTo("APPROVED"));
        assertThat(drain()).isEqualTo(1);
        assertThat(cancels()).isEqualTo(1);
        show(id).body("escalations.state", contains("CANCELLED"));
    }

    @Test
    void withoutClosingTheResolutionIsRecordedAndAnEscalationThatExpiredClosesNothing() throws Throwable {
        webhooksSet(true);
        String id = escalatedByPath();
        deliver(ORG, "msg_expired", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "triggered", "expired"));
        show(id).body("status", equalTo("PENDING")).body("escalations[0].status", equalTo("expired"));

        webhooksSet(false);
        snapshots.invalidateAll();
        deliver(ORG, "msg_resolved", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "expired", "resolved"));
        show(id).body("status", equalTo("PENDING")).body("escalations[0].status", equalTo("resolved"))
                .body("auditTrail.action", hasItem("ESCALATION_RESOLVED"));
        decide(id, "grace@example.com", "APPROVE").statusCode(201);
    }

    @Test
    void aPrivateEscalationsStatusIsAskedForAndAnotherOrganizationsEscalationIsNotTouched() throws Throwable {
        webhooksSet(true);
        String id = escalatedByPath();
        stubs.escalationShown(ESCALATION_ID, "acked");
        deliver(ORG, "msg_private", SignedDeliveries.privateEscalationUpdated(ESCALATION_ID));
        show(id).body("escalations[0].status", equalTo("acked")).body("status", equalTo("PENDING"));

        // Another organization reports the same escalation id: acme's request is not its to close.
        install("other-org", KEY).statusCode(200);
        given().contentType("application/json").body(Map.of("signingSecret", SignedDeliveries.SECRET,
                "closeRequestOnIncidentResolved", true)).put(base("other-org") + "/integrations/incidentio/webhook").then()
                .statusCode(200);
        deliver("other-org", "msg_foreign", SignedDeliveries.escalationStatusUpdated(ESCALATION_ID, "acked", "resolved"));
        show(id).body("status", equalTo("PENDING")).body("escalations[0].status", equalTo("acked"));
        wiremock.verifyThat(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlEqualTo("/v2/escalations/" + ESCALATION_ID)));
    }

    // ---------------------------------------------------------------------------------------------
    // Writing the policy

    @Test
    void anUnknownEscalationPathIsRefusedOnWriteWithItsFieldAndNothingIsStored() {
        stubs.escalationPathMissing("01NOSUCHPATH0000000000001");
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + step(DB, "", "") + ", "
                + step(DB, "\"page\": \"escalation\", \"escalationPath\": \"01NOSUCHPATH0000000000001\"", "") + "]}]}")
                .statusCode(422).body("code", equalTo("UNKNOWN_ESCALATION_PATHS"))
                .body("errors.field", contains("rules[0].approval[1].options.escalationPath"));
        given().get(base(ORG) + "/access-policy").then().body("rules[0].name", equalTo("on-call engineers"));
    }

    @Test
    void pageOptionsAreCheckedWhereTheyAreWritten() {
        invalidRequest("a path without page: escalation, an unknown page mode, page options on auto", () -> putPolicy(ORG, """
                {"rules": [{"name": "prod", "approval": [
                  %s, %s,
                  {"type": "auto", "integration": "incidentio", "options": {"page": "escalation", "escalationPath": "%s"}}]}]}"""
                .formatted(step(DB, "\"escalationPath\": \"" + PATH + "\"", ""), step(DB, "\"page\": \"sms\"", ""), PATH)))
                .statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", contains("rules[0].approval[0].options.escalationPath", "rules[0].approval[1].options.page",
                        "rules[0].approval[2].options.page", "rules[0].approval[2].options.escalationPath"))
                .body("errors.message", contains("is only allowed with page: escalation", "must be one of: incident, escalation",
                        "is only allowed on escalation", "is only allowed on escalation"));
        given().get(base(ORG) + "/access-policy").then().body("rules[0].name", equalTo("on-call engineers"))
                .body("rules[0].approval[0].options.page", not(equalTo("escalation")));
    }
}
