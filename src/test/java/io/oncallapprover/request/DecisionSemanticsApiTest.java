package io.oncallapprover.request;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
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
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.oncallapprover.testsupport.OpenApiContract;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The decision table (docs/decision-table.md) exercised from outside, over HTTP, against WireMock
 * standing in for incident.io and the real PostgreSQL: reason requirements per step, several rules
 * matching at once, rules changing under a pending request, look-alike emails, a failed page armed
 * again, default routing, and time (pending TTL, ended grants). Every refusal is checked for its
 * status, its problem code and for having changed nothing.
 */
@QuarkusTest
@ConnectWireMock
class DecisionSemanticsApiTest extends ApiTestBase {

    static final String AUTO = PRIMARY;
    static final String DB = SECONDARY;
    static final String DEV = "01SCHEDDEV0000000000000003";
    static final String INCIDENT_ID = "01INCIDENT000000000000077";

    @Inject
    IncidentOutboxWorker outbox;

    @Inject
    GrantExpiryJob expiry;

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** Installed, auto-approval on {@link #AUTO}, every schedule known to incident.io; no policy stored. */
    private void installed() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        stubs.scheduleExists(AUTO, DB, DEV);
        setAutoApproval(ORG, List.of(AUTO)).statusCode(200);
    }

    private static String onCall(String name, String email) {
        return entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), name, email);
    }

    /** Who is on call at {@link #NOW} for {@code schedule} (replacing what was stubbed before). */
    private void onCallNow(String schedule, String... entries) {
        entriesCache.invalidateAll().await().indefinitely();
        stubs.entries(schedule, NOW, entries);
    }

    private static String escalationStep(String schedule, boolean allowOneParty, boolean requireReason) {
        return """
                {"type": "escalation", "integration": "incidentio", "services": ["%s"],
                 "options": {"allowOneParty": %s, "requireReason": %s}}""".formatted(schedule, allowOneParty, requireReason);
    }

    private ValidatableResponse request(String requester, String reason) {
        Map<String, Object> body = new HashMap<>(Map.of("requester", requester,
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db"),
                "conversationUrl", "https://acme.slack.com/archives/C0123/p456"));
        if (reason != null) {
            body.put("reason", reason);
        }
        return given().contentType("application/json").body(body).post(base(ORG) + "/access-requests").then();
    }

    private String pending(String requester, String reason) {
        return request(requester, reason).statusCode(201).body("status", equalTo("PENDING")).extract().path("id");
    }

    private ValidatableResponse escalate(String id) {
        return given().post(base(ORG) + "/access-requests/" + id + "/escalate").then();
    }

    private ValidatableResponse decide(String id, String approver, String decision) {
        return given().contentType("application/json").body(Map.of("approver", approver, "decision", decision, "comment", "ok"))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then();
    }

    private ValidatableResponse approverCheck(String id, String approver) {
        return given().contentType("application/json").body(Map.of("approver", approver, "requestId", id))
                .post(base(ORG) + "/approval-checks/approver").then();
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

    private long count(String sql, Object... params) {
        return pool.preparedQuery(sql).execute(Tuple.from(params)).await().indefinitely().iterator().next().getLong(0);
    }

    private long decisionRows() {
        return count("select count(*) from access_decision");
    }

    private long requestRows() {
        return count("select count(*) from access_request");
    }

    private String storedStatus(String id) {
        return pool.preparedQuery("select status from access_request where id = $1").execute(Tuple.of(id))
                .await().indefinitely().iterator().next().getString(0);
    }

    /** Nothing was decided: still PENDING (read and stored), no decision, no decision row. */
    private void stillPending(String id) {
        show(id).body("status", equalTo("PENDING")).body("decisions", empty()).body("grantExpiresAt", nullValue());
        assertThat(storedStatus(id)).isEqualTo("PENDING");
        assertThat(decisionRows()).isZero();
    }

    private static String idempotencyKey(LoggedRequest create) throws Exception {
        return new ObjectMapper().readTree(create.getBodyAsString()).path("idempotency_key").asText();
    }

    // ---------------------------------------------------------------------------------------------
    // 1. A rule's requireReason binds its own one-party step.

    @Test
    void aOnePartyStepThatRequiresAReasonDoesNotLetTheRequesterApproveWithoutOne() {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"own approval with a reason\", \"approval\": ["
                + escalationStep(DB, true, true) + "]}]}").statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Ann", "ann@example.com"));

        String id = pending("ann@example.com", null);
        decide(id, "ann@example.com", "APPROVE").statusCode(403)
                .body("code", equalTo("REASON_REQUIRED"))
                .body("allowed", equalTo(false))
                .body("rule.rule", equalTo("own approval with a reason"));
        approverCheck(id, "ann@example.com").statusCode(200)
                .body("allowed", equalTo(false)).body("code", equalTo("REASON_REQUIRED"));
        stillPending(id);

        // The same person, the same rule, with a reason: allowed, so the test can pass both ways.
        String withReason = pending("ann@example.com", "Rotating the replication password");
        decide(withReason, "ann@example.com", "APPROVE").statusCode(201)
                .body("status", equalTo("APPROVED"))
                .body("decisions[0].approver", equalTo("ann@example.com"));
        show(id).body("status", equalTo("PENDING"));
        assertThat(decisionRows()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Two matching rules: options are never pooled across rules.

    @Test
    void optionsOfTwoMatchingRulesAreNotPooledAndOnlyTheEligibleStepIsPaged() throws Throwable {
        installed();
        putPolicy(ORG, "{\"rules\": ["
                + "{\"name\": \"A databases\", \"approval\": [" + escalationStep(DB, false, true) + "]},"
                + "{\"name\": \"B developers\", \"approval\": [" + escalationStep(DEV, true, false) + "]}]}").statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Ann", "ann@example.com"), onCall("Grace", "grace@example.com"));
        stubs.entries(DEV, NOW, onCall("Dan", "dan@example.com"));
        stubs.incidentCreated(INCIDENT_ID, "INC-9");

        String id = request("ann@example.com", null).statusCode(201)
                .body("status", equalTo("PENDING"))
                .body("matchedRules", contains("A databases", "B developers"))
                .body("escalation.available", equalTo(true))
                .body("escalation.approverSchedules", contains(DEV))
                .extract().path("id");

        // Ann is on call for A's DB (which needs a reason, and not Ann), B allows one party but she is not on DEV.
        decide(id, "ann@example.com", "APPROVE").statusCode(403).body("code", equalTo("NOT_ON_CALL"))
                .body("allowed", equalTo(false));
        // Grace, on call for DB, may not decide either: A's step is not eligible without a reason.
        decide(id, "grace@example.com", "APPROVE").statusCode(403).body("code", equalTo("NOT_ON_CALL"));
        approverCheck(id, "grace@example.com").statusCode(200).body("allowed", equalTo(false));
        stillPending(id);

        escalate(id).statusCode(202).body("incident.state", equalTo("PENDING"))
                .body("escalation.approverSchedules", contains(DEV));
        assertThat(drain()).isEqualTo(1);
        List<LoggedRequest> creates = incidentCreates();
        assertThat(creates).hasSize(1);
        JsonNode body = new ObjectMapper().readTree(creates.get(0).getBodyAsString());
        JsonNode values = body.path("custom_field_entries").get(0).path("values");
        assertThat(values).hasSize(1);
        assertThat(values.get(0).path("value_catalog_entry_id").asText()).isEqualTo(DEV);
        assertThat(body.path("summary").asText()).contains(DEV).contains("(rules: B developers)")
                .doesNotContain(DB).doesNotContain("A databases");

        // Dan, on call for DEV, may decide.
        decide(id, "dan@example.com", "APPROVE").statusCode(201).body("status", equalTo("APPROVED"));
    }

    // ---------------------------------------------------------------------------------------------
    // 3. The policy in force now must allow the decision too.

    private static final String PROD_RULE = "{\"name\": \"prod\", %s\"approval\": [" + "%s" + "]}";

    private String policyWithProd(String prodFlags) {
        return "{\"rules\": [{\"name\": \"on-call engineers\", \"approval\": [{\"type\": \"auto\", \"integration\": \"incidentio\"}]},"
                + PROD_RULE.formatted(prodFlags, escalationStep(DB, false, false)) + "]}";
    }

    private String pendingUnderProd() {
        installed();
        putPolicy(ORG, policyWithProd("")).statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Grace", "grace@example.com"));
        String id = request("bob@example.com", "Fix the stuck migration").statusCode(201)
                .body("status", equalTo("PENDING")).body("matchedRules", contains("on-call engineers", "prod"))
                .extract().path("id");
        approverCheck(id, "grace@example.com").statusCode(200).body("allowed", equalTo(true));
        return id;
    }

    @Test
    void aRuleDisabledAfterTheRequestWasMadeNoLongerLetsAnyoneDecide() {
        String id = pendingUnderProd();
        putPolicy(ORG, policyWithProd("\"disabled\": true, ")).statusCode(200);

        decide(id, "grace@example.com", "APPROVE").statusCode(403)
                .body("code", equalTo("NO_MATCHING_RULE"))
                .body("allowed", equalTo(false))
                .body("rule.policy", equalTo("current"));
        approverCheck(id, "grace@example.com").statusCode(200)
                .body("allowed", equalTo(false)).body("code", equalTo("NO_MATCHING_RULE"))
                .body("rule.policy", equalTo("current"));
        stillPending(id);
        show(id).body("auditTrail.action", contains("REQUEST_CREATED", "DECISION_REFUSED"));
    }

    @Test
    void aRuleRemovedAfterTheRequestWasMadeNoLongerLetsAnyoneDecide() {
        String id = pendingUnderProd();
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);

        decide(id, "grace@example.com", "DENY").statusCode(403)
                .body("code", equalTo("NO_MATCHING_RULE"))
                .body("rule.policy", equalTo("current"));
        approverCheck(id, "grace@example.com").statusCode(200)
                .body("allowed", equalTo(false)).body("rule.policy", equalTo("current"));
        stillPending(id);
    }

    @Test
    void aRuleNowPagingAnotherScheduleRefusesTheOldApproverUnderTheCurrentPolicy() {
        String id = pendingUnderProd();
        // "prod" still matches, but now names DEV, for which Grace is not on call.
        putPolicy(ORG, "{\"rules\": [" + PROD_RULE.formatted("", escalationStep(DEV, false, false)) + "]}").statusCode(200);
        stubs.entries(DEV, NOW, onCall("Dan", "dan@example.com"));

        decide(id, "grace@example.com", "APPROVE").statusCode(403)
                .body("code", equalTo("NOT_ON_CALL"))
                .body("rule.policy", equalTo("current"));
        stillPending(id);
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Emails are the same only after trim + ASCII case folding.

    @Test
    void lookAlikeEmailsInIncidentIoAreNotTheRequester() {
        installWithAutoApproval(ORG, AUTO);
        // JSON escapes, as incident.io may send them.
        stubs.entries(AUTO, NOW,
                onCall("Kelvin", "\\u212Aate@example.com"),       // KELVIN SIGN, lower-cases to k
                onCall("Dotted", "\\u0130an@example.com"),        // LATIN CAPITAL I WITH DOT ABOVE, lower-cases to i
                onCall("Dotless", "\\u0131da@example.com"),       // LATIN SMALL DOTLESS I, upper-cases to I
                onCall("Fullwidth", "\\uFF4Ceo@example.com"),     // FULLWIDTH l, NFKC-folds to l
                onCall("Combining", "n\\u0303ora@example.com"));  // n + COMBINING TILDE

        for (String requester : List.of("kate@example.com", "ian@example.com", "ida@example.com", "leo@example.com",
                "nora@example.com")) {
            autoCheck(ORG, requester, "hotfix").statusCode(200)
                    .body("approved", equalTo(false))
                    .body("code", equalTo("NOT_ON_CALL"))
                    .body("evidence", empty());
        }
        String id = request("kate@example.com", "hotfix").statusCode(201)
                .body("status", equalTo("PENDING"))
                .body("autoApproval.approved", equalTo(false))
                .body("autoApproval.code", equalTo("NOT_ON_CALL"))
                .body("grantExpiresAt", nullValue())
                .extract().path("id");
        show(id).body("auditTrail.action", not(hasItem("REQUEST_AUTO_APPROVED")));
        // Nor is the look-alike anyone's approver by schedule.
        given().contentType("application/json").body(Map.of("approver", "kate@example.com", "scheduleIds", List.of(AUTO)))
                .post(base(ORG) + "/approval-checks/approver").then()
                .statusCode(200).body("allowed", equalTo(false)).body("code", equalTo("NOT_ON_CALL"));

        // ASCII case still folds.
        onCallNow(AUTO, onCall("Kate", "KATE@Example.COM"));
        autoCheck(ORG, "kate@example.com", "hotfix").statusCode(200)
                .body("approved", equalTo(true))
                .body("code", equalTo("ON_CALL"))
                .body("evidence.email", contains("kate@example.com"));
    }

    /** Drains, moving the clock past every back-off, until the outbox gives up on the page. */
    private void drainUntilFailed(String id) throws Throwable {
        for (int i = 0; i < 20 && !"FAILED".equals(show(id).extract().path("incident.state")); i++) {
            drain();
            clock.advance(Duration.ofMinutes(10)); // past any back-off
        }
    }

    private void incidentIoFailing() {
        wiremock.register(post(urlEqualTo("/v2/incidents")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"internal_error\", \"status\": 500, \"request_id\": \"r-500\"}")));
    }

    // ---------------------------------------------------------------------------------------------
    // 6. A failed page is armed again under the same idempotency key.

    @Test
    void escalatingAFailedPageArmsTheSameTaskAgainAndEndsInOneIncident() throws Throwable {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + escalationStep(DB, false, false) + "]}]}")
                .statusCode(200);
        stubs.entries(AUTO, NOW);
        String id = pending("bob@example.com", "Fix the stuck migration");
        incidentIoFailing();
        escalate(id).statusCode(202).body("incident.state", equalTo("PENDING"));

        drainUntilFailed(id);
        show(id).body("incident.state", equalTo("FAILED"))
                .body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "INCIDENT_CREATE_FAILED"));
        List<LoggedRequest> failedCalls = incidentCreates();
        assertThat(failedCalls).isNotEmpty();
        assertThat(drain()).as("a FAILED task is not retried on its own").isZero();
        assertThat(incidentCreates()).hasSameSizeAs(failedCalls);

        escalate(id).statusCode(202).body("incident.state", equalTo("PENDING")).body("incident.error", nullValue());
        assertThat(count("select count(*) from outbox_task where request_id = $1", id)).as("the same task").isEqualTo(1);

        // incident.io recovers.
        wiremock.register(post(urlEqualTo("/v2/incidents")).willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-8"))));
        assertThat(drain()).isEqualTo(1);

        List<LoggedRequest> all = incidentCreates();
        assertThat(all).hasSize(failedCalls.size() + 1); // exactly one more call, the one that succeeded
        String key = "oncall-approver:access-request:" + id;
        for (LoggedRequest create : all) {
            assertThat(idempotencyKey(create)).isEqualTo(key);
        }
        show(id).body("status", equalTo("PENDING"))
                .body("incident.state", equalTo("CREATED"))
                .body("incident.id", equalTo(INCIDENT_ID))
                .body("incident.reference", equalTo("INC-8"))
                .body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "INCIDENT_CREATE_FAILED",
                        "REQUEST_ESCALATED", "INCIDENT_CREATED"));

        // Once more: nothing changes.
        escalate(id).statusCode(202).body("incident.state", equalTo("CREATED"));
        assertThat(drain()).isZero();
        assertThat(incidentCreates()).hasSize(all.size());
        show(id).body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "INCIDENT_CREATE_FAILED",
                "REQUEST_ESCALATED", "INCIDENT_CREATED"));
    }

    // ---------------------------------------------------------------------------------------------
    // 7. Default routing for an organization without a stored policy.

    @Test
    void withoutAStoredPolicyTheDefaultRoutingAutoApprovesTheOnCallAndNothingElse() {
        installed();
        stubs.entries(AUTO, NOW, onCall("Ada", "ada@example.com"));

        given().get(base(ORG) + "/access-policy").then().statusCode(200)
                .header("Policy-Source", "default")
                .body("rules.name", contains("default routing"))
                .body("rules[0].approval.type", contains("auto"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(true))
                .body("code", equalTo("ON_CALL"))
                .body("rule.rule", equalTo("default routing"));
        request("ada@example.com", null).statusCode(201)
                .body("status", equalTo("APPROVED"))
                .body("matchedRules", contains("default routing"));

        // No escalation step in the default routing.
        String id = pending("bob@example.com", "please");
        escalate(id).statusCode(422).body("code", equalTo("NO_MATCHING_RULE"));
        show(id).body("incident.state", equalTo("NONE")).body("status", equalTo("PENDING"))
                .body("auditTrail.action", contains("REQUEST_CREATED"));
        assertThat(count("select count(*) from outbox_task")).isZero();

        // An empty stored policy is not the default: nothing matches.
        putPolicy(ORG, "{\"rules\": []}").statusCode(200);
        given().get(base(ORG) + "/access-policy").then().statusCode(200).header("Policy-Source", "stored")
                .body("rules", empty());
        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(false)).body("code", equalTo("NO_MATCHING_RULE"));
        long requests = requestRows();
        request("ada@example.com", "hotfix").statusCode(422).body("code", equalTo("NO_MATCHING_RULE"));
        assertThat(requestRows()).isEqualTo(requests);

        given().delete(base(ORG) + "/access-policy").then().statusCode(204);
        given().get(base(ORG) + "/access-policy").then().statusCode(200)
                .header("Policy-Source", "default").body("rules.name", contains("default routing"));
        given().get(base(ORG) + "/audit-events").then().statusCode(200)
                .body("events[0].action", equalTo("POLICY_DELETED"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }

    // ---------------------------------------------------------------------------------------------
    // 8. Time: pending TTL and ended grants read EXPIRED at once.

    @Test
    void aPendingRequestPastItsTtlReadsExpiredAndCanNeitherBeDecidedNorEscalated() {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + escalationStep(DB, false, false) + "]}]}")
                .statusCode(200);
        stubs.entries(AUTO, NOW);
        String id = pending("bob@example.com", "Fix the stuck migration");

        clock.advance(Duration.ofHours(24).minusSeconds(1));
        show(id).body("status", equalTo("PENDING"));
        clock.advance(Duration.ofSeconds(2)); // 24 h + 1 s
        show(id).body("status", equalTo("EXPIRED"));
        assertThat(storedStatus(id)).as("before the expiry job ran").isEqualTo("PENDING");

        decide(id, "grace@example.com", "APPROVE").statusCode(409)
                .body("code", equalTo("NOT_PENDING")).body("requestStatus", equalTo("EXPIRED"));
        decide(id, "grace@example.com", "DENY").statusCode(409).body("code", equalTo("NOT_PENDING"));
        approverCheck(id, "grace@example.com").statusCode(200).body("allowed", equalTo(false))
                .body("code", equalTo("NOT_PENDING"));
        escalate(id).statusCode(409).body("code", equalTo("NOT_PENDING"));

        show(id).body("status", equalTo("EXPIRED")).body("decisions", empty())
                .body("incident.state", equalTo("NONE"))
                .body("auditTrail.action", contains("REQUEST_CREATED"));
        assertThat(decisionRows()).isZero();
        assertThat(count("select count(*) from outbox_task")).isZero();
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/incidents")));
    }

    @Test
    void aFailedPageOfARequestPastItsTtlIsNotArmedAgain() throws Throwable {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + escalationStep(DB, false, false) + "]}]}")
                .statusCode(200);
        stubs.entries(AUTO, NOW);
        String id = pending("bob@example.com", "Fix the stuck migration");
        incidentIoFailing();
        escalate(id).statusCode(202);
        drainUntilFailed(id);
        show(id).body("incident.state", equalTo("FAILED"));
        int calls = incidentCreates().size();

        clock.set(NOW.plus(Duration.ofHours(24)).plusSeconds(1));
        escalate(id).statusCode(409).body("code", equalTo("NOT_PENDING"));
        show(id).body("status", equalTo("EXPIRED")).body("incident.state", equalTo("FAILED"))
                .body("auditTrail.action", contains("REQUEST_CREATED", "REQUEST_ESCALATED", "INCIDENT_CREATE_FAILED"));
        assertThat(count("select count(*) from outbox_task where status = 'FAILED'")).isEqualTo(1);
        wiremock.register(post(urlEqualTo("/v2/incidents")).willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-8"))));
        assertThat(drain()).isZero();
        assertThat(incidentCreates()).hasSize(calls);
    }

    @Test
    void anApprovedRequestWhoseGrantEndedReadsExpiredBeforeTheJobRuns() throws Throwable {
        installWithAutoApproval(ORG, AUTO);
        stubs.entries(AUTO, NOW, onCall("Ada", "ada@example.com"));
        String id = request("ada@example.com", "hotfix").statusCode(201).body("status", equalTo("APPROVED"))
                .body("grantExpiresAt", equalTo(NOW.plus(Duration.ofHours(1)).toString())).extract().path("id");

        clock.advance(Duration.ofHours(1).minusSeconds(1));
        show(id).body("status", equalTo("APPROVED"));
        clock.advance(Duration.ofSeconds(1));
        show(id).body("status", equalTo("EXPIRED"));
        assertThat(storedStatus(id)).as("the job has not run").isEqualTo("APPROVED");
        decide(id, "grace@example.com", "DENY").statusCode(409)
                .body("code", equalTo("ALREADY_DECIDED")).body("requestStatus", equalTo("EXPIRED"));

        assertThat(VertxContextSupport.<Integer> subscribeAndAwait(() -> expiry.expireDue())).isEqualTo(1);
        assertThat(storedStatus(id)).isEqualTo("EXPIRED");
        show(id).body("status", equalTo("EXPIRED"));
    }

    @Test
    void aScheduleChosenForAutoApprovalAndNamedByTheStepListsTheApproversShiftOnce() {
        installed();
        setAutoApproval(ORG, List.of(AUTO, DB)).statusCode(200);
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [{\"type\": \"auto\", \"integration\": \"incidentio\"}, "
                + escalationStep(DB, false, false) + "]}]}").statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Grace", "grace@example.com"));
        String id = pending("bob@example.com", "Fix the stuck migration");
        approverCheck(id, "grace@example.com").statusCode(200).body("allowed", equalTo(true))
                .body("evidence.size()", equalTo(1)).body("evidence[0].scheduleId", equalTo(DB));
        decide(id, "grace@example.com", "APPROVE").statusCode(201);
        show(id).body("decisions[0].evidence.size()", equalTo(1));
    }

    @Test
    void aDecisionSpelledOtherwiseIsRefusedNamingTheAllowedValuesAndDecidesNothing() {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + escalationStep(DB, false, false) + "]}]}")
                .statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Grace", "grace@example.com"));
        String id = pending("bob@example.com", "Fix the stuck migration");
        for (String spelling : List.of("approve", "APPROVED", "yes", "")) {
            OpenApiContract.invalidRequest("a decision outside the enum", () -> decide(id, "grace@example.com", spelling))
                    .statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("MALFORMED_BODY"))
                    .body("errors[0].field", equalTo("decision"))
                    .body("errors[0].message", equalTo("must be one of APPROVE, DENY"))
                    .body("detail", containsString("decision must be one of APPROVE, DENY"));
        }
        stillPending(id);
    }

    @Test
    void theAlreadyDecidedProblemHasOneStatusMember() {
        installed();
        putPolicy(ORG, "{\"rules\": [{\"name\": \"prod\", \"approval\": [" + escalationStep(DB, false, false) + "]}]}")
                .statusCode(200);
        stubs.entries(AUTO, NOW);
        stubs.entries(DB, NOW, onCall("Grace", "grace@example.com"));
        String id = pending("bob@example.com", "Fix the stuck migration");
        decide(id, "grace@example.com", "APPROVE").statusCode(201).body("status", equalTo("APPROVED"));
        approverCheck(id, "grace@example.com").statusCode(200).body("allowed", equalTo(false))
                .body("code", equalTo("NOT_PENDING"));

        String raw = decide(id, "grace@example.com", "DENY").statusCode(409)
                .contentType("application/problem+json")
                .body("code", equalTo("ALREADY_DECIDED"))
                .body("status", equalTo(409))
                .body("requestStatus", equalTo("APPROVED"))
                .extract().asString();
        assertThat(raw.split("\"status\"", -1)).as("one status member in " + raw).hasSize(2);
        assertThat(raw).contains("\"status\":409").doesNotContain("\"status\":\"APPROVED\"");
        show(id).body("status", equalTo("APPROVED")).body("decisions[0].decision", equalTo("APPROVE"));
        assertThat(decisionRows()).isEqualTo(1);
    }
}
