package io.oncallapprover.request;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;

import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueHandlerContract;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.oncallapprover.testsupport.MutableClock;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Re-evaluation of requests made during an outage, held to the leased-queue contract (a late worker never approves). */
@QuarkusTest
@ConnectWireMock
class ReevaluationQueueContractTest extends ApiTestBase implements QueueHandlerContract<ReevaluationJob.Claimed> {

    @Inject
    ReevaluationJob job;

    @Inject
    LeasedQueues queues;

    @Inject
    RequestsConfig config;

    private String id;

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, PRIMARY);
    }

    @Override
    public QueueHandler<ReevaluationJob.Claimed> handler() {
        return job.handler();
    }

    @Override
    public LeasedQueues queues() {
        return queues;
    }

    @Override
    public MutableClock clock() {
        return clock;
    }

    @Override
    public void oneDueRow() {
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, clock.instant().toString(), clock.instant())
                .willReturn(aResponse().withStatus(503)).atPriority(1));
        id = given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "hotfix",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201)
                .body("autoApproval.code", equalTo("UPSTREAM_UNAVAILABLE")).extract().path("id");
        clock.set(row().getOffsetDateTime("reevaluate_at").toInstant());
    }

    @Override
    public void realCallWillSucceed() {
        wiremock.resetMappings();
        entriesCache.invalidateAll().await().indefinitely();
        breaker.reset();
        stubs.entries(PRIMARY, clock.instant(), entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(8)), "Ada",
                "ada@example.com"));
    }

    /** The first re-evaluation is the request's second try: after the n-th, the back-off after n + 1 failures. */
    @Override
    public Duration configuredBackoff(int attempt) {
        Duration doubled = config.reevaluateFirst().multipliedBy(1L << attempt);
        return doubled.compareTo(config.reevaluateMaxBackoff()) < 0 ? doubled : config.reevaluateMaxBackoff();
    }

    @Override
    public Uni<Integer> storedAttempts() {
        return pool.preparedQuery("select reevaluations from access_request where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    @Override
    public String leaseOwner() {
        return row().getString("reevaluate_owner");
    }

    @Override
    public Instant nextDue() {
        return row().getOffsetDateTime("reevaluate_at").toInstant();
    }

    @Override
    public String snapshot() {
        return pool.preparedQuery("select r::text from access_request r where id = $1").execute(Tuple.of(id))
                .await().atMost(AWAIT).iterator().next().getString(0);
    }

    private Row row() {
        return pool.preparedQuery("select * from access_request where id = $1").execute(Tuple.of(id))
                .await().atMost(AWAIT).iterator().next();
    }
}
