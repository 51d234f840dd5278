package io.oncallapprover.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.oncallapprover.faults.FaultCells.millisSince;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.escalation.EscalationConfig;
import io.oncallapprover.escalation.OutboxWorkerAccess;
import io.oncallapprover.escalation.OutboxWorkerAccess.Lease;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Fault cells 8–10: the incident outbox when a worker dies after claiming, shuts down gracefully,
 * or comes back after its lease lapsed while another replica took over. Every cell ends with
 * exactly one {@code POST /v2/incidents} per escalated request (no lost, no duplicate incident),
 * each under the request's own idempotency key.
 */
@QuarkusTest
@ConnectWireMock
class OutboxFaultTest extends ApiTestBase {

    static final String AUTO_SCHEDULE = PRIMARY;
    static final String APPROVERS = SECONDARY;
    static final String POLICY = """
            {"rules": [
              {"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]},
              {"name": "production databases",
               "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}
            ]}""".formatted(APPROVERS);
    static final String INCIDENT_ID = "01INCIDENT000000000000042";

    @Inject
    IncidentOutboxWorker worker;

    @Inject
    EscalationConfig incidents;

    /** One outbox_task row. */
    record Task(long id, String requestId, String status, int attempts, OffsetDateTime lockedUntil, String leaseToken,
            OffsetDateTime updatedAt) {
    }

    @BeforeEach
    void escalationPolicy() {
        installWithAutoApproval(ORG, AUTO_SCHEDULE);
        stubs.scheduleExists(APPROVERS);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(AUTO_SCHEDULE, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        stubs.entries(APPROVERS, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"));
    }

    @AfterEach
    void workerRuns() {
        worker.resume();
    }

    // --- plumbing ---------------------------------------------------------------------------------

    /** {@code n} pending requests of Bob (not on call), each escalated: one CREATE_INCIDENT task each. */
    private List<String> escalated(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = given().contentType("application/json").body(Map.of("requester", "bob@example.com",
                    "reason", "Fix the stuck migration " + i,
                    "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                    .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
            given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
            ids.add(id);
        }
        return ids;
    }

    private int drain() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> worker.drainOnce());
    }

    private CompletableFuture<Integer> drainInBackground(CyclicBarrier start) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (start != null) {
                    start.await();
                }
                return VertxContextSupport.<Integer> subscribeAndAwait(() -> worker.drainOnce());
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The idempotency keys of every incident create incident.io received, in order. */
    private List<String> createKeys() {
        ObjectMapper json = new ObjectMapper();
        return wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents"))).stream().map(r -> {
            try {
                return json.readTree(r.getBodyAsString()).path("idempotency_key").asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static String keyOf(String requestId) {
        return "oncall-approver:access-request:" + requestId;
    }

    private List<Task> tasks() {
        List<Task> tasks = new ArrayList<>();
        for (Row row : pool.query("select id, request_id, status, attempts, locked_until, lease_token, updated_at"
                + " from outbox_task order by id").execute().await().indefinitely()) {
            tasks.add(new Task(row.getLong("id"), row.getString("request_id"), row.getString("status"), row.getInteger("attempts"),
                    row.getOffsetDateTime("locked_until"), row.getString("lease_token"), row.getOffsetDateTime("updated_at")));
        }
        return tasks;
    }

    private String incidentState(String requestId) {
        return given().get(base(ORG) + "/access-requests/" + requestId).then().statusCode(200).extract().path("incident.state");
    }

    /** No lost and no duplicate incident: exactly one create per request, under its own key, and the request shows it. */
    private void assertExactlyOneIncidentEach(List<String> requestIds) {
        List<String> keys = createKeys();
        assertThat(keys).as("one create per request, none twice").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(requestIds.stream().map(OutboxFaultTest::keyOf).toList());
        for (String id : requestIds) {
            assertThat(incidentState(id)).as("incident of %s", id).isEqualTo("CREATED");
        }
        assertThat(tasks()).allSatisfy(t -> assertThat(t.status()).isEqualTo("DONE"));
    }

    private String counts(List<String> requestIds) {
        List<String> keys = createKeys();
        long distinct = keys.stream().distinct().count();
        long lost = requestIds.stream().filter(id -> !keys.contains(keyOf(id))).count();
        return "requests=" + requestIds.size() + " distinct_keys=" + distinct + " duplicates=" + (keys.size() - distinct)
                + " lost=" + lost;
    }

    // --- 8. crash after claiming ----------------------------------------------------------------

    @Test
    void aWorkerThatDiesAfterClaimingBurnsNoAttemptAndEveryIncidentIsSentOnceAfterTheLease() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        List<String> ids = escalated(3);

        // Worker 1 claims the batch and dies before working on it.
        Instant claimedAt = clock.instant();
        List<Lease> dead = OutboxWorkerAccess.claim(worker, claimedAt);
        assertThat(dead).hasSize(3);
        assertThat(tasks()).allSatisfy(t -> {
            assertThat(t.attempts()).as("claiming counts no attempt").isZero();
            assertThat(t.leaseToken()).isEqualTo(dead.get(0).token());
            assertThat(t.lockedUntil().toInstant()).isEqualTo(claimedAt.plus(incidents.lease()));
        });
        assertThat(drain()).as("the lease holds the tasks").isZero();
        assertThat(createKeys()).isEmpty();

        // After the lease, another drain sends each incident exactly once.
        clock.advance(incidents.lease().plusSeconds(1));
        long start = System.nanoTime();
        assertThat(drain()).isEqualTo(3);
        long millis = millisSince(start);
        assertThat(drain()).isZero();
        assertExactlyOneIncidentEach(ids);
        assertThat(tasks()).allSatisfy(t -> assertThat(t.attempts()).as("one attempt, the one that sent").isEqualTo(1));
        FaultCells.record("outbox-crash-after-claim", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " attempts_after_crash=0 attempts_after_send=1");
    }

    // --- 9. graceful shutdown -------------------------------------------------------------------

    @Test
    void aGracefulShutdownHandsBackItsLeasesAndNothingWaitsForTheLease() throws Throwable {
        // incident.io takes a moment, so the shutdown comes while the first create is in flight.
        wiremock.register(post(urlEqualTo("/v2/incidents"))
                .willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-7")).withFixedDelay(400)));
        List<String> ids = escalated(3);

        CompletableFuture<Integer> draining = drainInBackground(null);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (createKeys().isEmpty() && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        assertThat(createKeys()).as("the first create is in flight").hasSize(1);

        long start = System.nanoTime();
        worker.stopForShutdown(Duration.ofSeconds(1));
        long stopMillis = millisSince(start);
        assertThat(draining.get(5, TimeUnit.SECONDS)).as("claimed in the batch").isEqualTo(3);
        assertThat(stopMillis).as("the stop waits for the call in flight only").isLessThan(1_500);

        // The call in flight finished and was recorded; the rest is handed back at once.
        List<Task> afterStop = tasks();
        assertThat(afterStop).filteredOn(t -> t.status().equals("DONE")).hasSize(1);
        List<Task> released = afterStop.stream().filter(t -> t.status().equals("PENDING")).toList();
        assertThat(released).hasSize(2).allSatisfy(t -> {
            assertThat(t.lockedUntil()).as("lease released").isNull();
            assertThat(t.leaseToken()).as("lease token released").isNull();
            assertThat(t.attempts()).as("never begun").isZero();
        });
        assertThat(createKeys()).hasSize(1);

        // Another worker (here: the same one, resumed) sends the rest at once, without the clock moving.
        worker.resume();
        start = System.nanoTime();
        assertThat(drain()).isEqualTo(2);
        long millis = millisSince(start);
        assertExactlyOneIncidentEach(ids);
        FaultCells.record("outbox-graceful-shutdown", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " stop_millis=" + stopMillis + " released=" + released.size() + " sent_before_stop=1");
    }

    /**
     * A shutdown in the gap between two tasks of a batch: the next task has passed the worker's
     * "stopping?" check and is being begun (its lease renewed, its attempt counted) when the stop
     * looks for calls in flight. The stop must wait for that task too, not hand its lease back
     * while it is about to be sent: else the send is not recorded (its lease is gone) and the task
     * is sent a second time after the restart. The begin is held in the gap by a row lock.
     */
    @Test
    void aShutdownWhileTheNextTaskIsBeingBegunDoesNotHandItBack() throws Throwable {
        wiremock.register(post(urlEqualTo("/v2/incidents"))
                .willReturn(okJson(IncidentIoStubs.incident(INCIDENT_ID, "INC-7")).withFixedDelay(300)));
        List<String> ids = escalated(3);
        long second = tasks().get(1).id();

        CompletableFuture<Integer> draining = drainInBackground(null);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (createKeys().isEmpty() && System.nanoTime() < waitUntil) {
            Thread.sleep(5);
        }
        assertThat(createKeys()).as("the first create is in flight").hasSize(1);

        // Hold the second task's row: its begin() will wait at commit, after the "stopping?" check.
        io.vertx.mutiny.sqlclient.SqlConnection holder = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        long stopMillis;
        try {
            holder.query("begin").execute().await().indefinitely();
            holder.preparedQuery("select id from outbox_task where id = $1 for update")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(second)).await().indefinitely();
            waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lockWaiters() == 0 && System.nanoTime() < waitUntil) {
                Thread.sleep(5);
            }
            assertThat(lockWaiters()).as("the second task's begin waits for the row").isEqualTo(1);

            long start = System.nanoTime();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> worker.stopForShutdown(Duration.ofSeconds(2)));
            Thread.sleep(200);
            holder.query("commit").execute().await().indefinitely();
            stopping.get(10, TimeUnit.SECONDS);
            stopMillis = millisSince(start);
        } finally {
            holder.close().await().indefinitely();
        }
        assertThat(draining.get(10, TimeUnit.SECONDS)).isEqualTo(3);

        worker.resume();
        long start = System.nanoTime();
        drain();
        long millis = millisSince(start);
        assertThat(drain()).isZero();
        FaultCells.record("outbox-shutdown-while-beginning", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " stop_millis=" + stopMillis);
        assertExactlyOneIncidentEach(ids);
    }

    private long lockWaiters() {
        return pool.query("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")
                .execute().await().indefinitely().iterator().next().getLong(0);
    }

    /** The contrast: leases not handed back hold the tasks until they lapse; the next drain finds nothing. */
    @Test
    void withoutTheReleaseTheNextDrainFindsNothingUntilTheLeaseLapses() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        List<String> ids = escalated(3);

        List<Lease> unreleased = OutboxWorkerAccess.claim(worker, clock.instant()); // not this worker's batch: nothing to hand back
        assertThat(unreleased).hasSize(3);
        worker.stopForShutdown(Duration.ofSeconds(1));
        assertThat(tasks()).allSatisfy(t -> assertThat(t.leaseToken()).isEqualTo(unreleased.get(0).token()));
        worker.resume();
        assertThat(drain()).as("without the release nothing is due").isZero();
        assertThat(createKeys()).isEmpty();

        clock.advance(incidents.lease().plusSeconds(1));
        long start = System.nanoTime();
        assertThat(drain()).isEqualTo(3);
        long millis = millisSince(start);
        assertExactlyOneIncidentEach(ids);
        FaultCells.record("outbox-shutdown-without-release", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " drained_before_lease=0 delayed_by=lease(" + incidents.lease().toSeconds() + "s)");
    }

    // --- 10. lease fencing, two replicas ---------------------------------------------------------

    @Test
    void aWorkerWhoseLeaseLapsedNeitherSendsNorRecordsAnything() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        List<String> ids = escalated(3);

        List<Lease> a = OutboxWorkerAccess.claim(worker, clock.instant());
        clock.advance(incidents.lease().plusSeconds(1));
        List<Lease> b = OutboxWorkerAccess.claim(worker, clock.instant());
        assertThat(b).extracting(Lease::taskId).containsExactlyElementsOf(a.stream().map(Lease::taskId).toList());
        assertThat(b.get(0).token()).isNotEqualTo(a.get(0).token());

        // A comes back late: begin() refuses (token mismatch), nothing is sent or written.
        List<Task> beforeA = tasks();
        for (Lease late : a) {
            OutboxWorkerAccess.attempt(worker, late);
        }
        assertThat(createKeys()).as("A sent nothing").isEmpty();
        assertThat(tasks()).as("A changed nothing").isEqualTo(beforeA);
        assertThat(beforeA).allSatisfy(t -> {
            assertThat(t.leaseToken()).isEqualTo(b.get(0).token());
            assertThat(t.attempts()).isZero();
        });

        // B, the holder, sends each once.
        long start = System.nanoTime();
        for (Lease holder : b) {
            OutboxWorkerAccess.attempt(worker, holder);
        }
        long millis = millisSince(start);
        assertExactlyOneIncidentEach(ids);

        // A, later still: the tasks are done, A neither sends nor marks.
        List<Task> done = tasks();
        for (Lease late : a) {
            OutboxWorkerAccess.attempt(worker, late);
        }
        assertThat(tasks()).isEqualTo(done);
        assertExactlyOneIncidentEach(ids);
        FaultCells.record("outbox-lapsed-lease-fenced", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " late_worker_sends=0 late_worker_writes=0");
    }

    @Test
    void twoDrainsAtOnceNeverSendATaskTwice() throws Throwable {
        stubs.incidentCreated(INCIDENT_ID, "INC-7");
        List<String> ids = escalated(12); // more than one batch (10), so both drains get work

        CyclicBarrier together = new CyclicBarrier(2);
        long start = System.nanoTime();
        CompletableFuture<Integer> one = drainInBackground(together);
        CompletableFuture<Integer> two = drainInBackground(together);
        int first = one.get(30, TimeUnit.SECONDS);
        int second = two.get(30, TimeUnit.SECONDS);
        long millis = millisSince(start);
        assertThat(first + second).as("every task claimed by exactly one drain").isEqualTo(12);
        assertThat(drain()).isZero();
        assertExactlyOneIncidentEach(ids);
        FaultCells.record("outbox-two-drains-at-once", "DONE", "CREATED", millis, createKeys().size(),
                counts(ids) + " claimed=" + first + "+" + second);
    }
}
