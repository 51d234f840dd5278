package io.oncallapprover.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.inject.Inject;

import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueHandlerContract;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.MutableClock;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Inbound webhook deliveries, held to the leased-queue contract. */
@QuarkusTest
@ConnectWireMock
class WebhookQueueContractTest extends ApiTestBase implements QueueHandlerContract<WebhookDeliveryRows.Delivery> {

    static final String ID = "msg_contract";

    @Inject
    WebhookProcessor processor;

    @Inject
    LeasedQueues queues;

    @Inject
    WebhookConfig config;

    @Override
    public QueueHandler<WebhookDeliveryRows.Delivery> handler() {
        return processor.handler();
    }

    @Override
    public LeasedQueues queues() {
        return queues;
    }

    @Override
    public MutableClock clock() {
        return clock;
    }

    /** A stored delivery of an event type nothing acts on: its real call answers at once, touching nothing else. */
    @Override
    public void oneDueRow() {
        pool.preparedQuery("insert into webhook_delivery (org_id, webhook_id, event_type, payload, received_at, status,"
                + " next_attempt_at) values ($1, $2, 'public_contract.noted_v1', '{\"event_type\": \"public_contract.noted_v1\"}',"
                + " $3, 'PENDING', $3)")
                .execute(Tuple.of(ORG, ID, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))).await().atMost(AWAIT);
    }

    @Override
    public void realCallWillSucceed() {
    }

    @Override
    public Duration configuredBackoff(int attempt) {
        Duration doubled = config.backoff().multipliedBy(1L << (attempt - 1));
        return doubled.compareTo(config.maxBackoff()) < 0 ? doubled : config.maxBackoff();
    }

    @Override
    public Uni<Integer> storedAttempts() {
        return pool.preparedQuery("select attempts from webhook_delivery where org_id = $1 and webhook_id = $2")
                .execute(Tuple.of(ORG, ID)).map(rows -> rows.iterator().next().getInteger(0));
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
        return pool.preparedQuery("select d::text from webhook_delivery d where org_id = $1 and webhook_id = $2")
                .execute(Tuple.of(ORG, ID)).await().atMost(AWAIT).iterator().next().getString(0);
    }

    private Row row() {
        return pool.preparedQuery("select * from webhook_delivery where org_id = $1 and webhook_id = $2").execute(Tuple.of(ORG, ID))
                .await().atMost(AWAIT).iterator().next();
    }
}
