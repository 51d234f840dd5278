package io.oncallapprover.delivery;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueHandlerContract;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.EventReceiver;
import io.oncallapprover.testsupport.MutableClock;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Event delivery, held to the leased-queue contract: the row is a destination with its cursor, and a late worker's
 * accepted delivery never moves the cursor another replica holds.
 */
@QuarkusTest
@ConnectWireMock
class EventDeliveryQueueContractTest extends ApiTestBase implements QueueHandlerContract<DestinationTurns.Turn> {

    @Inject
    EventDelivery delivery;

    @Inject
    LeasedQueues queues;

    @Inject
    EventsConfig config;

    private EventReceiver receiver;

    @BeforeEach
    void installedWithAdaOnCall() {
        receiver = new EventReceiver();
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Override
    public QueueHandler<DestinationTurns.Turn> handler() {
        return delivery.handler();
    }

    @Override
    public LeasedQueues queues() {
        return queues;
    }

    @Override
    public MutableClock clock() {
        return clock;
    }

    /** A destination with events past its cursor: a request created and approved. */
    @Override
    public void oneDueRow() {
        given().contentType("application/json").body(Map.of("url", receiver.url("/hooks"))).post(base(ORG) + "/event-destinations")
                .then().statusCode(201);
        given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "deploy",
                "resource", Map.of("type", "role", "service", "web", "name", "prod")))
                .post(base(ORG) + "/access-requests").then().statusCode(201);
    }

    @Override
    public void realCallWillSucceed() {
        receiver.failNext(0);
    }

    @Override
    public Duration configuredBackoff(int attempt) {
        Duration doubled = config.retryFirstWait().multipliedBy(1L << (attempt - 1));
        return doubled.compareTo(config.retryMaxWait()) < 0 ? doubled : config.retryMaxWait();
    }

    @Override
    public Uni<Integer> storedAttempts() {
        return pool.preparedQuery("select attempts from event_destination where org_id = $1").execute(Tuple.of(ORG))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    @Override
    public String leaseOwner() {
        Object owner = row().getValue("lease_owner");
        return owner == null ? null : owner.toString();
    }

    @Override
    public Instant nextDue() {
        return row().getOffsetDateTime("next_attempt_at").toInstant();
    }

    @Override
    public String snapshot() {
        return pool.preparedQuery("select d::text from event_destination d where org_id = $1").execute(Tuple.of(ORG))
                .await().atMost(AWAIT).iterator().next().getString(0);
    }

    private Row row() {
        return pool.preparedQuery("select * from event_destination where org_id = $1").execute(Tuple.of(ORG))
                .await().atMost(AWAIT).iterator().next();
    }
}
