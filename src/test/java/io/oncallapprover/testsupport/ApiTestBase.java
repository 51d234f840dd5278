package io.oncallapprover.testsupport;

import static io.restassured.RestAssured.given;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import com.github.tomakehurst.wiremock.client.WireMock;

import io.oncallapprover.incidentio.KeyCircuitBreaker;
import io.oncallapprover.oncall.ScheduleEntriesCache;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.incidentio.KeyBudgets;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Common ground of the API tests: a clean database, an empty WireMock standing in for incident.io,
 * an empty on-call cache, closed circuit breakers and a fixed clock before every test; every request
 * and response checked against the service's OpenAPI document ({@link OpenApiContract}).
 */
public abstract class ApiTestBase {

    public static final String ORG = "acme";
    public static final String KEY = "inc_test_0123456789abcdef_KEY1";
    public static final Instant NOW = Instant.parse("2026-03-04T12:00:00Z");
    public static final String PRIMARY = "01SCHEDPRIMARY000000000001";
    public static final String SECONDARY = "01SCHEDSECONDARY0000000002";

    /** Injected by {@code @ConnectWireMock} on the concrete test classes. */
    protected WireMock wiremock;

    protected IncidentIoStubs stubs;

    @Inject
    protected MutableClock clock;

    @Inject
    protected ScheduleEntriesCache entriesCache;

    @Inject
    protected Pool pool;

    @Inject
    protected KeyCircuitBreaker breaker;

    @Inject
    protected KeyBudgets budgets;

    @Inject
    protected OrgSnapshots snapshots;

    @Inject
    protected io.oncallapprover.replica.ReplicaLeases leases;

    /** Both roles for the organizations the tests use; authorization itself is tested apart. */
    public static final String EVERYTHING_TOKEN = Tokens.token(List.of(ORG, "other-org", "nobody"),
            java.util.Set.of("admin", "service"));

    @BeforeEach
    void resetWorld() {
        RestAssured.config = RestAssured.config()
                .headerConfig(HeaderConfig.headerConfig().overwriteHeadersWithName("Authorization"));
        RestAssured.requestSpecification = new RequestSpecBuilder()
                .addHeader("Authorization", "Bearer " + EVERYTHING_TOKEN).build();
        // Every request and response of the API tests is held to the service's own OpenAPI document.
        RestAssured.replaceFiltersWith(OpenApiContract.ofTheRunningApp());
        wiremock.resetMappings();
        wiremock.resetRequests();
        stubs = new IncidentIoStubs(wiremock);
        clock.set(NOW);
        entriesCache.invalidateAll().await().indefinitely();
        // Every test uses the same key: failures of one test must not leave its breaker open for the next.
        breaker.reset();
        pool.query("delete from access_decision").execute().await().indefinitely();
        pool.query("delete from outbox_task").execute().await().indefinitely();
        pool.query("delete from page_escalation").execute().await().indefinitely();
        pool.query("delete from access_request").execute().await().indefinitely();
        pool.query("delete from access_policy").execute().await().indefinitely();
        pool.query("delete from incidentio_integration").execute().await().indefinitely();
        // The audit trail refuses DELETE (V15); its owner may still empty it, and each organization's chain starts again.
        pool.query("truncate audit_event").execute().await().indefinitely();
        pool.query("delete from webhook_delivery").execute().await().indefinitely();
        pool.query("delete from request_event").execute().await().indefinitely();
        pool.query("delete from org_event_counter").execute().await().indefinitely();
        pool.query("delete from event_destination").execute().await().indefinitely();
        pool.query("delete from idempotency_key").execute().await().indefinitely();
        // The deletes are announced to the snapshots too, but asynchronously: forget them now.
        snapshots.invalidateAll();
        budgets.reset();
        // A replica calls incident.io only with a share of the budget: the first lease renewal follows start-up.
        long until = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (leases.share() <= 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** Tests without this base class do not go through the contract filter. */
    @AfterEach
    void leaveTheContract() {
        RestAssured.replaceFiltersWith(List.of());
    }

    protected static String base(String org) {
        return "/api/v1/orgs/" + org;
    }

    protected ValidatableResponse install(String org, String key) {
        return given().contentType(ContentType.JSON).body(Map.of("apiKey", key))
                .when().put(base(org) + "/integrations/incidentio").then();
    }

    /** A policy under which everyone may be auto-approved (when on call), for anything. */
    public static final String AUTO_FOR_EVERYONE = """
            {"rules": [{"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]}]}""";

    /** Installs {@code org} with {@link #KEY}, sets the auto-approval schedules and {@link #AUTO_FOR_EVERYONE}. */
    protected void installWithAutoApproval(String org, String... scheduleIds) {
        stubs.installable();
        install(org, KEY).statusCode(200);
        stubs.scheduleExists(scheduleIds);
        setAutoApproval(org, List.of(scheduleIds)).statusCode(200);
        putPolicy(org, AUTO_FOR_EVERYONE).statusCode(200);
    }

    protected ValidatableResponse putPolicy(String org, String json) {
        return given().contentType(ContentType.JSON).body(json).when().put(base(org) + "/access-policy").then();
    }

    protected ValidatableResponse setAutoApproval(String org, List<String> ids) {
        return given().contentType(ContentType.JSON).body(Map.of("scheduleIds", ids))
                .when().put(base(org) + "/integrations/incidentio/auto-approval").then();
    }

    protected ValidatableResponse autoCheck(String org, String requester, String reason) {
        Map<String, Object> body = reason == null ? Map.of("requester", requester)
                : Map.of("requester", requester, "reason", reason);
        return given().contentType(ContentType.JSON).body(body)
                .when().post(base(org) + "/approval-checks/auto").then();
    }

    protected long integrationRows() {
        return pool.query("select count(*) from incidentio_integration").execute().await().indefinitely()
                .iterator().next().getLong(0);
    }

    protected Row integrationRow(String org) {
        var rows = pool.preparedQuery("select * from incidentio_integration where org_id = $1").execute(Tuple.of(org))
                .await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next();
    }
}
