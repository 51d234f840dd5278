package io.oncallapprover.escalation;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;

import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueHandlerContract;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.MutableClock;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;

/** Incident tasks (the outbox; escalation tasks are rows of the same table, of another kind), held to the leased-queue contract. */
@QuarkusTest
@ConnectWireMock
class OutboxQueueContractTest extends ApiTestBase implements QueueHandlerContract<IncidentOutboxWorker.Claimed> {

    static final String POLICY = """
            {"rules": [{"name": "production databases", "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}]}""".formatted(SECONDARY);

    @Inject
    IncidentOutboxWorker worker;

    @Inject
    LeasedQueues queues;

    @Inject
    EscalationConfig config;

    @BeforeEach
    void installedWithApprovers() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleExists(SECONDARY);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(SECONDARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace",
                "grace@example.com"));
    }

    @Override
    public QueueHandler<IncidentOutboxWorker.Claimed> handler() {
        return worker.handler();
    }

    @Override
    public LeasedQueues queues() {
        return queues;
    }

    @Override
    public MutableClock clock() {
        return clock;
    }

    /** A pending request escalated: its incident is to be created. */
    @Override
    public void oneDueRow() {
        String id = given().contentType("application/json").body(Map.of("requester", "bob@example.com", "reason", "migration",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
        given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
    }

    @Override
    public void realCallWillSucceed() {
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-7");
    }

    @Override
    public Duration configuredBackoff(int attempt) {
        Duration doubled = config.backoff().multipliedBy(1L << (attempt - 1));
        return doubled.compareTo(config.maxBackoff()) < 0 ? doubled : config.maxBackoff();
    }

    @Override
    public Uni<Integer> storedAttempts() {
        return pool.query("select attempts from outbox_task").execute().map(rows -> rows.iterator().next().getInteger(0));
    }

    @Override
    public String leaseOwner() {
        return row().getString("lease_token");
    }

    @Override
    public Instant nextDue() {
        return row().getOffsetDateTime("next_attempt_at").toInstant();
    }

    @Override
    public String snapshot() {
        return pool.query("select t::text from outbox_task t").execute().await().atMost(AWAIT).iterator().next().getString(0);
    }

    private Row row() {
        return pool.query("select * from outbox_task").execute().await().atMost(AWAIT).iterator().next();
    }
}
