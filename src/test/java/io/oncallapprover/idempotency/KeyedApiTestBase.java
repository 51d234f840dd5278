package io.oncallapprover.idempotency;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;

import io.oncallapprover.testsupport.ApiTestBase;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Ground of the Idempotency-Key API tests: an organization where Ada (on call for the auto-approval
 * schedule) is approved at once, Bob is not and waits, and Grace (on call for the approvers'
 * schedule) may decide requests for the production databases; helpers that send the writes with or
 * without a key and count what they did.
 */
abstract class KeyedApiTestBase extends ApiTestBase {

    static final String POLICY = """
            {"rules": [
              {"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]},
              {"name": "production databases", "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}
            ]}""".formatted(SECONDARY);

    static final String HEADER = "Idempotency-Key";

    @BeforeEach
    void installed() {
        setUp(ORG);
        stubOnCall(NOW);
    }

    void setUp(String org) {
        installWithAutoApproval(org, PRIMARY);
        stubs.scheduleExists(SECONDARY);
        putPolicy(org, POLICY).statusCode(200);
    }

    /** Ada on call for the auto-approval schedule, Grace for the approvers', as incident.io answers at {@code now}. */
    void stubOnCall(Instant now) {
        stubs.entries(PRIMARY, now, entry(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        stubs.entries(SECONDARY, now, entry(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(4)), "Grace",
                "grace@example.com"));
    }

    static Map<String, Object> requestBody(String requester, String service) {
        return Map.of("requester", requester, "reason", "deploy", "resource", Map.of("type", "role", "service", service,
                "name", "prod"));
    }

    static RequestSpecification keyed(String key) {
        return key == null ? given() : given().header(HEADER, key);
    }

    Response create(String org, String key, Object body) {
        return keyed(key).contentType("application/json").body(body).post(base(org) + "/access-requests");
    }

    Response create(String key, Object body) {
        return create(ORG, key, body);
    }

    /** A request of Bob's for the production database: pending, decided by Grace. */
    String pending() {
        return create(null, requestBody("bob@example.com", "postgres")).then().statusCode(201).extract().path("id");
    }

    Response decide(String key, String id, String approver, String decision) {
        return keyed(key).contentType("application/json").body(Map.of("approver", approver, "decision", decision))
                .post(base(ORG) + "/access-requests/" + id + "/decisions");
    }

    Response escalate(String key, String id) {
        return keyed(key).post(base(ORG) + "/access-requests/" + id + "/escalate");
    }

    Response end(String key, String id, String how) {
        return keyed(key).contentType("application/json").body(Map.of("by", "backend@example.com", "comment", "done"))
                .post(base(ORG) + "/access-requests/" + id + "/" + how);
    }

    long count(String sql, Object... parameters) {
        return pool.preparedQuery(sql).execute(Tuple.from(parameters)).await().indefinitely().iterator().next().getLong(0);
    }

    /** Rows a statement changed. */
    int changed(String sql, Object... parameters) {
        return pool.preparedQuery(sql).execute(Tuple.from(parameters)).await().indefinitely().rowCount();
    }

    long requests() {
        return count("select count(*) from access_request");
    }

    long events(String type) {
        return count("select count(*) from request_event where type = $1", type);
    }

    long audits(String action) {
        return count("select count(*) from audit_event where action = $1", action);
    }

    long keys() {
        return count("select count(*) from idempotency_key");
    }
}
