package io.oncallapprover.request;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;

/** PRODUCT §3.4–§3.6 end to end: policy, request, escalation incident, decision, summary edit, expiry. */
@QuarkusTest
@ConnectWireMock
class AccessRequestLifecycleTest extends ApiTestBase {

    static final String AUTO_SCHEDULE = PRIMARY;
    static final String APPROVERS = SECONDARY;
    static final String POLICY = """
            {"rules": [
              {"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]},
              {"name": "production databases",
               "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"],
                             "options": {"allowOneParty": false, "requireReason": true}}]},
              {"name": "own sandbox", "requestor": {"type": "user", "email": "ada@example.com"},
               "resource": {"type": "service", "service": "sandbox"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"],
                             "options": {"allowOneParty": true}}]}
            ]}""".formatted(APPROVERS, APPROVERS);

    static final String INCIDENT_ID = "01INCIDENT000000000000042";

    @Inject
    IncidentOutboxWorker outbox;

    @Inject
    GrantExpiryJob expiry;

    @BeforeEach
    void installedWithPolicy() {
        installWithAutoApproval(ORG, AUTO_SCHEDULE);
        stubs.scheduleExists(APPROVERS);
        putPolicy(ORG, POLICY).statusCode(200);
        // Ada is on call for the auto-approval schedule, Grace for the approvers' schedule.
        stubs.entries(AUTO_SCHEDULE, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "Ada@Example.com"));
        stubs.entries(APPROVERS, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"),
                entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
    }

    private ValidatableResponse request(String requester, String service, String reason) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("requester", requester,
                "resource", Map.of("type", "role", "service", service, "name", "prod-db"),
                "conversationUrl", "https://acme.slack.com/archives/C0123/p456"));
        if (reason != null) {
            body.put("reason", reason);
        }
        return given().contentType("application/json").body(body).post(base(ORG) + "/access-requests").then();
    }

    private String pendingRequest() {
        return request("bob@example.com", "postgres", "Fix the stuck migration").statusCode(201)
                .body("status", equalTo("PENDING")).extract().path("id");
    }

    private ValidatableResponse escalate(String id) {
        return given().post(base(ORG) + "/access-requests/" + id + "/escalate").then();
    }

    private ValidatableResponse decide(String id, String approver, String decision) {
        return given().contentType("application/json").body(Map.of("approver", approver, "decision", decision, "comment", "ok"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then();
    }

    private ValidatableResponse show(String id) {
        return given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    private int drain() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());
    }

    private List<LoggedRequest> incidentCreates() {
        return wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents")));
    }

    @Test
    void thePolicyIsReadBackInJsonAndYamlAndAudited() {
        given().get(base(ORG) + "/access-policy").then().statusCode(200)
                .body("rules.name", contains("on-call engineers", "production databases", "own sandbox"))
                .body("rules[1].approval[0].services", contains(APPROVERS))
                .body("rules[1].approval[0].options.requireReason", equalTo(true));
        String yaml = given().accept("application/yaml").get(base(ORG) + "/access-policy").then().statusCode(200)
                .contentType(containsString("yaml")).extract().asString();
        assertThat(yaml).contains("name: production databases").contains(APPROVERS);
        // What GET gives, PUT takes back unchanged.
        given().contentType("application/yaml").body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put(base(ORG) + "/access-policy").then().statusCode(200);
        given().get(base(ORG) + "/access-policy").then()
                .body("rules.name", contains("on-call engineers", "production databases", "own sandbox"));
        given().get(base(ORG) + "/audit-events").then().body("events.action", hasItems("POLICY_CHANGED"));
    }

    @Test
    void anInvalidPolicyNamesEveryBadFieldAndChangesNothing() {
        stubs.scheduleMissing("01UNKNOWNSCHEDULE000000001");
        putPolicy(ORG, """
                {"rules": [{"name": "x", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["01UNKNOWNSCHEDULE000000001"]}]}]}""").statusCode(422)
                .body("code", equalTo("UNKNOWN_SCHEDULES"))
                .body("errors.field", contains("rules[0].approval[0].services[0]"));
        invalidRequest("an unknown integration, step type and member, no services", () -> putPolicy(ORG, """
                {"rules": [{"name": "x", "approval": [{"type": "escalation", "integration": "pagerduty", "services": []},
                                                       {"type": "magic", "integration": "incidentio"}],
                            "colour": "blue"}]}""")).statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", hasItems("rules[0].approval[0].integration", "rules[0].approval[0].services",
                        "rules[0].approval[1].type", "rules[0].colour"));
        given().get(base(ORG) + "/access-policy").then()
                .body("rules.name", contains("on-call engineers", "production databases", "own sandbox"));
    }

    @Test
    void aRequesterOnCallIsAutoApprovedForOneHour() {
        String id = request("ada@example.com", "postgres", "hotfix").statusCode(201)
                .body("status", equalTo("APPROVED"))
                .body("grantExpiresAt", equalTo(NOW.plus(Duration.ofHours(1)).toString()))
                .body("autoApproval.code", equalTo("ON_CALL"))
                .body("autoApproval.evidence[0].scheduleId", equalTo(AUTO_SCHEDULE))
                .body("matchedRules", contains("on-call engineers", "production databases"))
                .body("requestedBy", equalTo("bot@example.com"))
                .extract().path("id");
        show(id).body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_AUTO_APPROVED"));
    }

    @Test
    void someoneNotOnCallWaitsWithTheEscalationPathsExplained() {
        request("bob@example.com", "postgres", "Fix the stuck migration").statusCode(201)
                .body("status", equalTo("PENDING"))
                .body("grantExpiresAt", nullValue())
                .body("autoApproval.code", equalTo("NOT_ON_CALL"))
                .body("autoApproval.explanation", containsString("not on call"))
                .body("escalation.available", equalTo(true))
                .body("escalation.approverSchedules", contains(APPROVERS))
                .body("incident.state", equalTo("NONE"));
    }

    @Test
    void aRequestNoRuleCoversIsRefused() {
        putPolicy(ORG, """
                {"rules": [{"name": "production databases", "resource": {"type": "service", "service": "postgres"},
                  "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]},
                 {"name": "switched off", "disabled": true, "approval": [{"type": "auto", "integration": "incidentio"}]}]}"""
                .formatted(APPROVERS)).statusCode(200);
        given().contentType("application/json").body(Map.of("requester", "bob@example.com",
                "resource", Map.of("type", "role", "service", "sandbox", "name", "x")))
                .post(base(ORG) + "/access-requests").then().statusCode(422).body("code", equalTo("NO_MATCHING_RULE"));
        putPolicy(ORG, "{\"rules\": []}").statusCode(200);
        request("ada@example.com", "postgres", "x").statusCode(422).body("code", equalTo("NO_MATCHING_RULE"));
    }

    @Test
    void escalationCreatesExactlyOnePrivateIncidentNamingEverything() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        String id = pendingRequest();

        escalate(id).statusCode(202).body("incident.state", equalTo("PENDING"));
        escalate(id).statusCode(202).body("incident.state", equalTo("PENDING"));
        assertThat(incidentCreates()).as("never on the caller's path").isEmpty();

        assertThat(drain()).isEqualTo(1);
        assertThat(drain()).isZero();
        List<LoggedRequest> creates = incidentCreates();
        assertThat(creates).hasSize(1);
        JsonNode body = new ObjectMapper().readTree(creates.get(0).getBodyAsString());
        assertThat(body.path("idempotency_key").asText()).isEqualTo("oncall-approver:access-request:" + id);
        assertThat(body.path("visibility").asText()).isEqualTo("private");
        assertThat(body.path("name").asText()).contains("bob@example.com").contains("postgres/prod-db");
        assertThat(body.path("summary").asText()).contains("bob@example.com").contains("role access to postgres/prod-db")
                .contains("Reason, as the requester wrote it:\n> Fix the stuck migration").contains("https://acme.slack.com/archives/C0123/p456")
                .contains(APPROVERS).contains("(rules: production databases)");
        assertThat(body.path("custom_field_entries").get(0).path("custom_field_id").asText()).isEqualTo("01CFAPPROVERS0000000000001");
        assertThat(body.path("custom_field_entries").get(0).path("values").get(0).path("value_catalog_entry_id").asText())
                .isEqualTo(APPROVERS);
        assertThat(creates.get(0).getHeader("Authorization")).isEqualTo("Bearer " + KEY);

        show(id).body("incident.state", equalTo("CREATED"))
                .body("incident.id", equalTo(INCIDENT_ID))
                .body("incident.reference", equalTo("INC-7"))
                .body("incident.url", equalTo("https://app.incident.io/acme/incidents/7"))
                .body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "INCIDENT_CREATED"));
        escalate(id).statusCode(202);
        drain();
        assertThat(incidentCreates()).hasSize(1);
    }

    @Test
    void incidentIoFailingSeveralTimesStillEndsInOneIncidentUnderOneKey() throws Throwable {
        String id = pendingRequest();
        for (int i = 0; i < 4; i++) {
            wiremock.register(post(urlEqualTo("/v2/incidents")).inScenario("flaky")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "failed-" + i)
                    .willReturn(aResponse().withStatus(i % 2 == 0 ? 502 : 429).withHeader("Retry-After", "0"))
                    .willSetStateTo("failed-" + (i + 1)));
        }
        wiremock.register(post(urlEqualTo("/v2/incidents")).inScenario("flaky").whenScenarioStateIs("failed-4")
                .willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-7"))));
        escalate(id).statusCode(202);

        drain(); // three attempts in line, all failing: the task backs off
        show(id).body("incident.state", equalTo("PENDING"));
        clock.advance(Duration.ofMinutes(10));
        drain();

        show(id).body("incident.state", equalTo("CREATED")).body("incident.id", equalTo(INCIDENT_ID));
        List<LoggedRequest> creates = incidentCreates();
        assertThat(creates).hasSize(5);
        assertThat(creates.stream().map(r -> r.getBodyAsString().replaceAll(".*\"idempotency_key\":\"([^\"]+)\".*", "$1")).distinct())
                .containsExactly("oncall-approver:access-request:" + id);
    }

    @Test
    void aLostResponseIsRetriedWithTheSameIdempotencyKey() throws Throwable {
        String id = pendingRequest();
        wiremock.register(post(urlEqualTo("/v2/incidents")).inScenario("lost").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("created"));
        wiremock.register(post(urlEqualTo("/v2/incidents")).inScenario("lost").whenScenarioStateIs("created")
                .willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-7"))));
        escalate(id).statusCode(202);

        drain();
        clock.advance(Duration.ofMinutes(10));
        drain();

        show(id).body("incident.state", equalTo("CREATED"));
        wiremock.verifyThat(2, postRequestedFor(urlEqualTo("/v2/incidents"))
                .withRequestBody(matchingJsonPath("$.idempotency_key", WireMock.equalTo("oncall-approver:access-request:" + id))));
    }

    @Test
    void twoWorkersDrainingAtOnceNeverSendATaskTwice() throws Exception {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = pendingRequest();
            escalate(id).statusCode(202);
            ids.add(id);
        }
        CyclicBarrier together = new CyclicBarrier(2);
        List<CompletableFuture<Integer>> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    together.await();
                    return VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce());
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        int claimed = 0;
        for (CompletableFuture<Integer> worker : workers) {
            claimed += worker.get();
        }
        assertThat(claimed).isEqualTo(6);
        List<String> keys = incidentCreates().stream()
                .map(r -> r.getBodyAsString().replaceAll(".*\"idempotency_key\":\"([^\"]+)\".*", "$1")).toList();
        assertThat(keys).hasSize(6).doesNotHaveDuplicates();
        for (String id : ids) {
            show(id).body("incident.state", equalTo("CREATED"));
        }
    }

    @Test
    void aWorkerThatDiesMidTaskDelaysTheIncidentButDoesNotLoseIt() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        String id = pendingRequest();
        escalate(id).statusCode(202);

        // A worker claims the task (a 60 s lease) and dies before doing anything: the lease holds it...
        pool.preparedQuery("update outbox_task set locked_until = $1, attempts = 1 where request_id = $2")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(clock.instant().plusSeconds(60).atOffset(java.time.ZoneOffset.UTC), id))
                .await().indefinitely();
        assertThat(drain()).isZero();
        assertThat(incidentCreates()).isEmpty();

        // ...until the lease runs out; then another worker takes it.
        clock.advance(Duration.ofSeconds(61));
        assertThat(drain()).isEqualTo(1);
        show(id).body("incident.state", equalTo("CREATED"));
        assertThat(incidentCreates()).hasSize(1);
    }

    @Test
    void aChangedPolicyAppliesToTheVeryNextCheck() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        putPolicy(ORG, """
                {"rules": [{"name": "production databases", "resource": {"type": "service", "service": "postgres"},
                  "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}]}"""
                .formatted(APPROVERS)).statusCode(200);
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("NO_MATCHING_RULE"));
        // Rows removed and written again (their version starts over) are still read afresh.
        pool.query("delete from access_policy").execute().await().indefinitely();
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void aRuleRequiringAReasonAutoApprovesOnlyWithOne() {
        putPolicy(ORG, """
                {"rules": [{"name": "with a reason", "approval": [{"type": "auto", "integration": "incidentio",
                  "options": {"requireReason": true}}]}]}""").statusCode(200);

        request("ada@example.com", "postgres", "  ").statusCode(201)
                .body("status", equalTo("PENDING")).body("autoApproval.code", equalTo("REASON_REQUIRED"));
        request("ada@example.com", "postgres", "Deploying the hotfix").statusCode(201)
                .body("status", equalTo("APPROVED")).body("autoApproval.code", equalTo("ON_CALL"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("REASON_REQUIRED"));
        autoCheck(ORG, "ada@example.com", "why not").statusCode(200).body("code", equalTo("ON_CALL"));
    }

    @Test
    void anOutboxTaskGivesUpVisiblyAfterItsAttempts() throws Throwable {
        String id = pendingRequest();
        wiremock.register(post(urlEqualTo("/v2/incidents")).willReturn(aResponse().withStatus(500)));
        escalate(id).statusCode(202);
        for (int i = 0; i < 8; i++) {
            drain();
            clock.advance(Duration.ofMinutes(10));
        }
        show(id).body("incident.state", equalTo("FAILED"))
                .body("incident.error", containsString("500"))
                .body("auditTrail.action", hasItems("INCIDENT_CREATE_FAILED"));
        int calls = incidentCreates().size();
        drain();
        assertThat(incidentCreates()).hasSize(calls);
        io.oncallapprover.testsupport.ManagementPort.given().get("/q/metrics").then().body(containsString("incident_outbox_attempts_total{kind=\"CREATE_INCIDENT\",outcome=\"failed\"}"));
    }

    @Test
    void anOnCallApproverDecidesAndTheSummaryIsEditedAfterTheIncidentExists() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        stubs.incidentEdited(INCIDENT_ID);
        String id = pendingRequest();
        escalate(id).statusCode(202);

        // The decision comes before the incident exists.
        decide(id, "Grace@Example.com", "APPROVE").statusCode(201)
                .body("status", equalTo("APPROVED"))
                .body("grantExpiresAt", equalTo(NOW.plus(Duration.ofHours(1)).toString()))
                .body("decisions[0].approver", equalTo("grace@example.com"))
                .body("decisions[0].decidedBy", equalTo("bot@example.com"))
                .body("decisions[0].evidence[0].scheduleId", equalTo(APPROVERS));
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents/" + INCIDENT_ID + "/actions/edit")));

        drain(); // creates the incident; the edit was not yet due
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents/" + INCIDENT_ID + "/actions/edit")));
        drain(); // now the edit follows
        List<LoggedRequest> edits = wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents/" + INCIDENT_ID + "/actions/edit")));
        assertThat(edits).hasSize(1);
        JsonNode edit = new ObjectMapper().readTree(edits.get(0).getBodyAsString());
        assertThat(edit.path("notify_incident_channel").isBoolean()).isTrue();
        assertThat(edit.path("incident").path("summary").asText())
                .contains("Decision: APPROVED by grace@example.com at " + NOW).contains("Comment, as the approver wrote it:\n> ok");
        List<String> editedFields = new ArrayList<>();
        edit.path("incident").fieldNames().forEachRemaining(editedFields::add);
        assertThat(editedFields).as("the status is never touched").containsExactly("summary");

        show(id).body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "REQUEST_APPROVED",
                "INCIDENT_CREATED", "INCIDENT_UPDATED"));
    }

    @Test
    void twoConcurrentDecisionsOneWins() throws Exception {
        String id = pendingRequest();
        CyclicBarrier together = new CyclicBarrier(2);
        List<CompletableFuture<Integer>> racers = new ArrayList<>();
        for (String decision : List.of("APPROVE", "DENY")) {
            racers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    together.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return decide(id, "grace@example.com", decision).extract().statusCode();
            }));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Integer> racer : racers) {
            statuses.add(racer.get());
        }
        assertThat(statuses).containsExactlyInAnyOrder(201, 409);
        assertThat(pool.query("select count(*) from access_decision").execute().await().indefinitely().iterator().next().getLong(0))
                .isEqualTo(1);
        decide(id, "grace@example.com", "APPROVE").statusCode(409).body("code", equalTo("ALREADY_DECIDED"));
    }

    @Test
    void onlyWhoIsOnCallForTheRulesSchedulesMayDecide() {
        String id = pendingRequest();
        decide(id, "mallory@example.com", "APPROVE").statusCode(403)
                .body("code", equalTo("NOT_ON_CALL")).body("allowed", equalTo(false));
        decide(id, "bob@example.com", "APPROVE").statusCode(403).body("code", equalTo("SELF_APPROVAL_NOT_ALLOWED"));
        show(id).body("status", equalTo("PENDING")).body("decisions", empty())
                .body("auditTrail.action", contains("REQUEST_CREATED", "DECISION_REFUSED", "DECISION_REFUSED"));
        decide(id, "grace@example.com", "DENY").statusCode(201).body("status", equalTo("DENIED")).body("grantExpiresAt", nullValue());
    }

    @Test
    void whenIncidentIoCannotBeAskedNobodyMayDecide() {
        String id = pendingRequest();
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(IncidentIoStubs.entriesRequest(APPROVERS, NOW.toString(), NOW).willReturn(aResponse().withStatus(502)));

        decide(id, "grace@example.com", "APPROVE").statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("code", equalTo("UPSTREAM_UNAVAILABLE")).body("allowed", equalTo(false));
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "requestId", id))
                .post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(503).body("code", equalTo("UPSTREAM_UNAVAILABLE")).body("allowed", equalTo(false));
        show(id).body("status", equalTo("PENDING")).body("decisions", empty());
    }

    @Test
    void theRequesterMayDecideOnlyWhereARuleAllowsOneParty() {
        // Ada is on call for the approvers' schedule too; "own sandbox" allows one party, but she is
        // auto-approved there anyway, so take her off the auto-approval schedule first.
        entriesCache.invalidateAll().await().indefinitely();
        stubs.entries(AUTO_SCHEDULE, NOW);
        String id = request("ada@example.com", "sandbox", null).statusCode(201).body("status", equalTo("PENDING"))
                .body("escalation.allowOneParty", equalTo(true)).extract().path("id");
        decide(id, "ada@example.com", "APPROVE").statusCode(201).body("status", equalTo("APPROVED"));
    }

    @Test
    void escalatingWithoutTheRequiredReasonIsRefused() {
        String id = request("bob@example.com", "postgres", null).statusCode(201)
                .body("escalation.reasonRequired", equalTo(true)).extract().path("id");
        escalate(id).statusCode(422).body("code", equalTo("REASON_REQUIRED")).body("errors[0].field", equalTo("reason"));
        show(id).body("incident.state", equalTo("NONE"));
    }

    @Test
    void theApproverCheckAnswersByRequestOrBySchedules() {
        String id = pendingRequest();
        var check = given().contentType("application/json");
        check.body(Map.of("approver", "grace@example.com", "requestId", id)).post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(200).body("allowed", equalTo(true)).body("code", equalTo("ON_CALL"))
                .body("evidence[0].scheduleId", equalTo(APPROVERS));
        given().contentType("application/json").body(Map.of("approver", "bob@example.com", "requestId", id))
                .post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(200).body("allowed", equalTo(false)).body("code", equalTo("SELF_APPROVAL_NOT_ALLOWED"));
        given().contentType("application/json").body(Map.of("approver", "ada@example.com", "scheduleIds", List.of(AUTO_SCHEDULE)))
                .post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(200).body("allowed", equalTo(true));
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "scheduleIds", List.of(AUTO_SCHEDULE)))
                .post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(200).body("allowed", equalTo(false)).body("code", equalTo("NOT_ON_CALL"));
        given().contentType("application/json").body(Map.of("approver", "grace@example.com"))
                .post(base(ORG) + "/approval-checks/approver").then().statusCode(400);
        show(id).body("status", equalTo("PENDING")).body("auditTrail.action", contains("REQUEST_CREATED"));
    }

    @Test
    void anApprovedGrantExpires() throws Throwable {
        String id = request("ada@example.com", "postgres", "hotfix").statusCode(201).body("status", equalTo("APPROVED"))
                .extract().path("id");
        clock.advance(Duration.ofMinutes(59));
        assertThat(VertxContextSupport.<Integer> subscribeAndAwait(() -> expiry.expireDue())).isZero();
        clock.advance(Duration.ofMinutes(1));
        assertThat(VertxContextSupport.<Integer> subscribeAndAwait(() -> expiry.expireDue())).isEqualTo(1);
        show(id).body("status", equalTo("EXPIRED")).body("auditTrail.action", hasItems("REQUEST_EXPIRED"));
    }

    @Test
    void anOutageAtCreationKeepsTheRequestPendingNotApproved() {
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(IncidentIoStubs.entriesRequest(AUTO_SCHEDULE, NOW.toString(), NOW).willReturn(aResponse().withStatus(503)));
        request("ada@example.com", "postgres", "hotfix").statusCode(201)
                .body("status", equalTo("PENDING"))
                .body("autoApproval.approved", equalTo(false))
                .body("autoApproval.code", equalTo("UPSTREAM_UNAVAILABLE"));
    }

    @Test
    void requestsOfAnotherOrganizationDoNotExistForOthers() {
        String id = pendingRequest();
        given().header("Authorization", "Bearer " + io.oncallapprover.testsupport.Tokens.service("other-org"))
                .get("/api/v1/orgs/other-org/access-requests/" + id).then().statusCode(404);
        given().header("Authorization", "Bearer " + io.oncallapprover.testsupport.Tokens.service("other-org"))
                .contentType("application/json").body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                .post("/api/v1/orgs/other-org/access-requests/" + id + "/decisions").then().statusCode(404);
        show(id).body("status", equalTo("PENDING"));
    }

    @Test
    void badRequestBodiesNameTheField() {
        invalidRequest("a conversationUrl over http", () -> given().contentType("application/json")
                .body(Map.of("requester", "bob@example.com",
                        "resource", Map.of("type", "role", "service", "postgres", "name", "prod"),
                        "conversationUrl", "http://insecure.example.com/x"))
                .post(base(ORG) + "/access-requests").then())
                .statusCode(400).body("errors[0].field", equalTo("conversationUrl"));
        invalidRequest("no resource", () -> given().contentType("application/json").body(Map.of("requester", "bob@example.com"))
                .post(base(ORG) + "/access-requests").then())
                .statusCode(400).body("errors[0].field", equalTo("resource"));
        String id = pendingRequest();
        invalidRequest("a decision that is neither APPROVE nor DENY", () -> given().contentType("application/json")
                .body(Map.of("approver", "grace@example.com", "decision", "MAYBE"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then())
                .statusCode(400).body("errors[0].field", equalTo("decision"));
    }
}
