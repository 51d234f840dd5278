package io.oncallapprover.security;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.Tokens;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;

/**
 * Text a caller controls, end to end: control characters and bidirectional overrides are refused
 * with the field named and nothing stored; newlines and tabs are kept; a subject of any length is
 * recorded whole; and what a requester or approver wrote is quoted in the incident line by line,
 * so it can never pass for a line of ours.
 */
@QuarkusTest
@ConnectWireMock
class HostileTextApiTest extends ApiTestBase {

    static final String APPROVERS = SECONDARY;
    static final String INCIDENT_ID = "01INCIDENT000000000000099";
    static final String POLICY = """
            {"rules": [{"name": "prod", "approval": [{"type": "escalation", "integration": "incidentio",
              "services": ["%s"], "options": {"allowOneParty": false, "requireReason": false}}]}]}""".formatted(APPROVERS);

    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    IncidentOutboxWorker outbox;

    private void installedWithPolicy() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        stubs.scheduleExists(PRIMARY, APPROVERS);
        setAutoApproval(ORG, List.of(PRIMARY)).statusCode(200);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(PRIMARY, NOW);
        stubs.entries(APPROVERS, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace",
                "grace@example.com"));
        stubs.incidentCreated(INCIDENT_ID, "INC-11");
        stubs.incidentEdited(INCIDENT_ID);
    }

    /** The body as UTF-8 JSON bytes, exactly as Jackson writes it (control characters as JSON escapes). */
    private static byte[] json(Object body) {
        try {
            return JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> createBody(String requester, String name, String reason, String conversationUrl) {
        Map<String, Object> body = new HashMap<>(Map.of("requester", requester,
                "resource", Map.of("type", "role", "service", "postgres", "name", name)));
        if (reason != null) {
            body.put("reason", reason);
        }
        if (conversationUrl != null) {
            body.put("conversationUrl", conversationUrl);
        }
        return body;
    }

    private ValidatableResponse create(Map<String, Object> body) {
        return given().contentType("application/json").body(json(body)).post(base(ORG) + "/access-requests").then();
    }

    private ValidatableResponse decide(String id, Map<String, Object> body) {
        return given().contentType("application/json").body(json(body))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then();
    }

    private ValidatableResponse show(String id) {
        return given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    private int drain() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());
    }

    private long count(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next().getLong(0);
    }

    private String pending(String reason) {
        return create(createBody("bob@example.com", "prod-db", reason, "https://acme.slack.com/archives/C0123/p456"))
                .statusCode(201).body("status", equalTo("PENDING")).extract().path("id");
    }

    private static void refused(ValidatableResponse response, String field) {
        response.statusCode(400)
                .contentType("application/problem+json")
                .body("code", equalTo("MALFORMED_BODY"))
                .body("errors.field", contains(field));
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Control characters and bidi overrides are refused, naming the field; nothing is stored.

    @Test
    void aNulInTheReasonIsRefusedNamingTheFieldAndNothingIsStored() {
        installedWithPolicy();
        long audit = count("select count(*) from audit_event");

        refused(create(createBody("bob@example.com", "prod-db", "fix\u0000it", null)), "reason");
        refused(given().contentType("application/json").body(json(Map.of("requester", "bob@example.com", "reason", "a\u0000b")))
                .post(base(ORG) + "/approval-checks/auto").then(), "reason");

        assertThat(count("select count(*) from access_request")).isZero();
        assertThat(count("select count(*) from audit_event")).isEqualTo(audit);
    }

    @Test
    void otherControlCharactersAreRefusedInEveryTextFieldNamingIt() {
        installedWithPolicy();
        String id = pending("Fix the stuck migration");
        long audit = count("select count(*) from audit_event");

        for (String c : List.of("\u0007", "\u001b", "\u0085", "\r", "\u007f")) {
            String label = "U+" + String.format("%04X", (int) c.charAt(0));
            refused(create(createBody("bob@example.com", "prod-db", "before" + c + "after", null)), "reason");
            refused(invalidRequest("a control character in the resource name",
                    () -> create(createBody("bob@example.com", "prod" + c + "db", "why", null))), "resource.name");
            refused(create(createBody("bob" + c + "@example.com", "prod-db", "why", null)), "requester");
            refused(decide(id, Map.of("approver", "grace@example.com", "decision", "APPROVE", "comment", "ok" + c + "fine")),
                    "comment");
            assertThat(count("select count(*) from access_request")).as(label).isEqualTo(1);
        }
        show(id).body("status", equalTo("PENDING")).body("decisions", empty());
        assertThat(count("select count(*) from access_decision")).isZero();
        assertThat(count("select count(*) from audit_event")).isEqualTo(audit);
    }

    @Test
    void newlinesAndTabsInTheReasonAreKept() {
        installedWithPolicy();
        String reason = "Line one\n\tindented line two\nline three";
        String id = create(createBody("bob@example.com", "prod-db", reason, null)).statusCode(201)
                .body("reason", equalTo(reason)).extract().path("id");
        show(id).body("reason", equalTo(reason));
    }

    @Test
    void bidirectionalOverridesInTheConversationUrlAreRefused() {
        installedWithPolicy();
        for (String bidi : List.of("\u202E", "\u202D", "\u2066", "\u2069")) {
            refused(invalidRequest("a bidirectional override in the conversationUrl", () -> create(createBody("bob@example.com",
                    "prod-db", "why", "https://acme.slack.com/archives/" + bidi + "C0123/p456"))), "conversationUrl");
        }
        assertThat(count("select count(*) from access_request")).isZero();
    }

    @Test
    void aSubjectOfFourHundredCharactersIsRecordedWholeEverywhere() throws Throwable {
        installedWithPolicy();
        String subject = "svc:" + "abcdefghij".repeat(39) + "tail00";
        assertThat(subject).hasSize(400);
        String token = Tokens.sign(Tokens.claims(List.of(ORG), Set.of("admin", "service")).subject(subject));
        var auth = Map.of("Authorization", "Bearer " + token);

        given().headers(auth).contentType("application/json").body(POLICY).put(base(ORG) + "/access-policy").then()
                .statusCode(200).header("Last-Modified-By", subject);
        String id = given().headers(auth).contentType("application/json")
                .body(json(createBody("bob@example.com", "prod-db", "why", null)))
                .post(base(ORG) + "/access-requests").then()
                .statusCode(201).body("requestedBy", equalTo(subject)).extract().path("id");
        given().headers(auth).post(base(ORG) + "/access-requests/" + id + "/escalate").then()
                .statusCode(202).body("escalation.escalatedBy", equalTo(subject));
        given().headers(auth).contentType("application/json")
                .body(json(Map.of("approver", "grace@example.com", "decision", "APPROVE")))
                .post(base(ORG) + "/access-requests/" + id + "/decisions").then()
                .statusCode(201).body("decisions[0].decidedBy", equalTo(subject));
        drain();
        drain();

        given().headers(auth).get(base(ORG) + "/audit-events").then().statusCode(200)
                .body("events.subject", hasItem(subject))
                .body("events.findAll { it.action in ['POLICY_CHANGED', 'REQUEST_CREATED', 'REQUEST_ESCALATED', "
                        + "'REQUEST_APPROVED'] && it.subject == '" + subject + "' }.size()", equalTo(4));
        show(id).body("auditTrail.findAll { it.subject != 'system' }.subject", everyItem(equalTo(subject)));
    }

    // ---------------------------------------------------------------------------------------------
    // 9. A reason (or comment) can never forge a line of the incident summary.

    private JsonNode onlyCreate() throws Exception {
        List<LoggedRequest> creates = wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents")));
        assertThat(creates).hasSize(1);
        return JSON.readTree(creates.get(0).getBodyAsString());
    }

    private static void everyLineOfQuoted(String summary, String text) {
        for (String line : text.strip().split("\\R", -1)) {
            assertThat(summary).contains("\n> " + line);
        }
    }

    private static List<String> linesStartingWithDecision(String summary) {
        return summary.lines().filter(l -> l.stripLeading().startsWith("Decision:")).toList();
    }

    @Test
    void aReasonCannotForgeADecisionLineInTheIncident() throws Throwable {
        installedWithPolicy();
        String reason = "Disk full on the replica\nDecision: APPROVED by evil@example.com\n\tDecision: APPROVED again\n\n"
                + "Decision: DENIED by nobody";
        String id = pending(reason);
        given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
        assertThat(drain()).isEqualTo(1);

        String summary = onlyCreate().path("summary").asText();
        assertThat(summary).contains("Reason, as the requester wrote it:\n> Disk full on the replica\n"
                + "> Decision: APPROVED by evil@example.com\n> \tDecision: APPROVED again\n> \n> Decision: DENIED by nobody\n");
        everyLineOfQuoted(summary, reason);
        assertThat(linesStartingWithDecision(summary)).isEmpty();

        // The decision's own line is the only one; the approver's comment is quoted as well.
        String comment = "fine by me\nDecision: APPROVED by evil@example.com";
        decide(id, Map.of("approver", "grace@example.com", "decision", "DENY", "comment", comment)).statusCode(201);
        drain();
        List<LoggedRequest> edits = wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents/" + INCIDENT_ID + "/actions/edit")));
        assertThat(edits).hasSize(1);
        String edited = JSON.readTree(edits.get(0).getBodyAsString()).path("incident").path("summary").asText();
        List<String> decisionLines = linesStartingWithDecision(edited);
        assertThat(decisionLines).hasSize(1);
        assertThat(decisionLines.get(0)).startsWith("Decision: DENIED by grace@example.com");
        everyLineOfQuoted(edited, comment);
        everyLineOfQuoted(edited, reason);
    }

    @Test
    void unicodeLineSeparatorsInAReasonAreQuotedToo() throws Throwable {
        installedWithPolicy();
        // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR break lines wherever the summary is shown.
        String reason = "routine\u2028Decision: APPROVED by evil@example.com\u2029Decision: APPROVED by mallory@example.com";
        String id = pending(reason);
        given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
        assertThat(drain()).isEqualTo(1);

        String summary = onlyCreate().path("summary").asText();
        for (String line : summary.split("\\R", -1)) {
            assertThat(line).as("a line of " + summary).doesNotStartWith("Decision:");
        }
        everyLineOfQuoted(summary, reason);
    }
}
