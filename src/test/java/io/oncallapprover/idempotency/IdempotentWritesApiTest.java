package io.oncallapprover.idempotency;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code Idempotency-Key} on decisions, escalate, revoke and withdraw, and under concurrency: a
 * repeat is the first answer and no second effect (no decision, event, audit record or outbox task);
 * refusals are kept or not as docs/idempotency.md says; repeats sent at once have one effect; a
 * write whose key was taken over while it ran leaves nothing.
 */
@QuarkusTest
@ConnectWireMock
class IdempotentWritesApiTest extends KeyedApiTestBase {

    @Test
    void escalateDecideRevokeAndWithdrawRepeatedHaveOneEffect() {
        String id = pending();
        String escalation = UUID.randomUUID().toString();
        Response escalated = escalate(escalation, id);
        assertThat(escalated.statusCode()).isEqualTo(202);
        assertReplayed(escalate(escalation, id), escalated);
        assertThat(count("select count(*) from outbox_task where kind = 'CREATE_INCIDENT'")).as("one page").isEqualTo(1);
        assertThat(events("access_request.escalated")).isEqualTo(1);
        assertThat(audits("REQUEST_ESCALATED")).isEqualTo(1);

        String decision = UUID.randomUUID().toString();
        Response approved = decide(decision, id, "grace@example.com", "APPROVE");
        assertThat(approved.statusCode()).as(approved.asString()).isEqualTo(201);
        assertReplayed(decide(decision, id, "grace@example.com", "APPROVE"), approved);
        assertThat(count("select count(*) from access_decision")).isEqualTo(1);
        assertThat(events("access_request.approved")).isEqualTo(1);
        assertThat(audits("REQUEST_APPROVED")).isEqualTo(1);
        assertThat(count("select count(*) from outbox_task where kind = 'UPDATE_INCIDENT'")).as("one summary edit").isEqualTo(1);
        assertThat(decide(null, id, "grace@example.com", "APPROVE").statusCode()).as("without the key: decided already")
                .isEqualTo(409);

        String revocation = UUID.randomUUID().toString();
        Response revoked = end(revocation, id, "revoke");
        assertThat(revoked.statusCode()).as(revoked.asString()).isEqualTo(200);
        assertThat((String) revoked.path("endedReason")).isEqualTo("REVOKED");
        assertReplayed(end(revocation, id, "revoke"), revoked);
        assertThat(events("access_request.grant_ended")).isEqualTo(1);
        assertThat(audits("GRANT_REVOKED")).isEqualTo(1);

        String other = pending();
        String withdrawal = UUID.randomUUID().toString();
        Response withdrawn = end(withdrawal, other, "withdraw");
        assertThat(withdrawn.statusCode()).as(withdrawn.asString()).isEqualTo(200);
        assertReplayed(end(withdrawal, other, "withdraw"), withdrawn);
        assertThat(events("access_request.withdrawn")).isEqualTo(1);
        assertThat(audits("REQUEST_WITHDRAWN")).isEqualTo(1);
    }

    @Test
    void aRefusedDecisionIsRefusedAgainTheSameWayWithoutASecondAuditRecord() {
        String id = pending();
        String key = UUID.randomUUID().toString();
        Response refused = decide(key, id, "mallory@example.com", "APPROVE");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat((String) refused.path("code")).isEqualTo("NOT_ON_CALL");
        Response again = decide(key, id, "mallory@example.com", "APPROVE");
        assertReplayed(again, refused);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(audits("DECISION_REFUSED")).isEqualTo(1);

        String unknown = UUID.randomUUID().toString();
        String nowhere = UUID.randomUUID().toString();
        Response notFound = decide(nowhere, unknown, "grace@example.com", "APPROVE");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertReplayed(decide(nowhere, unknown, "grace@example.com", "APPROVE"), notFound);
    }

    @Test
    void aConflictOrAnOutageIsNotKeptSoARetryRunsAgain() {
        String approved = create(null, requestBody("ada@example.com", "web")).then().statusCode(201).extract().path("id");
        String key = UUID.randomUUID().toString();
        assertThat(end(key, approved, "withdraw").statusCode()).isEqualTo(409);
        assertThat(keys()).as("409 is not kept").isZero();
        Response retried = end(key, approved, "withdraw");
        assertThat(retried.statusCode()).isEqualTo(409);
        assertThat(retried.header("Idempotent-Replayed")).isNull();

        String id = pending();
        wiremock.register(IncidentIoStubs.entriesRequest(SECONDARY, NOW.toString(), NOW).willReturn(serverError()));
        String decision = UUID.randomUUID().toString();
        Response outage = decide(decision, id, "grace@example.com", "APPROVE");
        assertThat(outage.statusCode()).as(outage.asString()).isEqualTo(503);
        assertThat(count("select count(*) from idempotency_key where idempotency_key = $1", decision)).isZero();

        stubOnCall(NOW);
        breaker.reset();
        Response decided = decide(decision, id, "grace@example.com", "APPROVE");
        assertThat(decided.statusCode()).as("incident.io is back: the retry decides").isEqualTo(201);
        assertThat(decided.header("Idempotent-Replayed")).isNull();
        assertThat(count("select count(*) from access_decision")).isEqualTo(1);
    }

    @Test
    void twoCreatesSentAtOnceWithOneKeyMakeOneRequest() throws Exception {
        slowOnCall(PRIMARY, 300);
        int replayed = 0;
        for (int round = 0; round < 6; round++) {
            entriesCache.invalidateAll().await().indefinitely();
            String key = "round-" + round + "-" + UUID.randomUUID();
            replayed += assertOneEffect(together(() -> create(key, requestBody("bob@example.com", "postgres"))), 201);
            assertThat(requests()).as("round %d", round).isEqualTo(round + 1);
        }
        assertThat(replayed).as("repeats waited for the first answer (2 s) rather than 409").isPositive();
        assertThat(events("access_request.created")).isEqualTo(6);
        assertThat(audits("REQUEST_CREATED")).isEqualTo(6);
    }

    @Test
    void twoDecisionsSentAtOnceWithOneKeyDecideOnce() throws Exception {
        slowOnCall(SECONDARY, 300);
        int replayed = 0;
        for (int round = 0; round < 3; round++) {
            entriesCache.invalidateAll().await().indefinitely();
            String id = pending();
            String key = UUID.randomUUID().toString();
            replayed += assertOneEffect(together(() -> decide(key, id, "grace@example.com", "APPROVE")), 201);
        }
        assertThat(replayed).as("repeats waited for the first answer (2 s) rather than 409").isPositive();
        assertThat(count("select count(*) from access_decision")).isEqualTo(3);
        assertThat(events("access_request.approved")).isEqualTo(3);
        assertThat(audits("REQUEST_APPROVED")).isEqualTo(3);
    }

    @Test
    void aWriteWhoseKeyWasTakenOverWhileItRanLeavesNothing() throws Exception {
        String id = pending();
        slowOnCall(SECONDARY, 600);
        String key = UUID.randomUUID().toString();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            var decision = CompletableFuture.supplyAsync(() -> decide(key, id, "grace@example.com", "APPROVE"), thread);
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            // Another replica takes the key over (as after a lapsed lease) while the decision asks incident.io.
            while (changed("update idempotency_key set lease_token = 'other-replica' where idempotency_key = $1", key) == 0
                    && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            Response lost = decision.get();
            assertThat(lost.statusCode()).as(lost.asString()).isEqualTo(409);
            assertThat((String) lost.path("code")).isEqualTo("CONFLICT");
        } finally {
            thread.shutdownNow();
        }
        assertThat(count("select count(*) from access_decision")).as("the decision was rolled back with it").isZero();
        assertThat(events("access_request.approved")).isZero();
        assertThat(audits("REQUEST_APPROVED")).isZero();
        assertThat(count("select count(*) from access_request where status = 'PENDING'")).isEqualTo(1);
        assertThat(count("select count(*) from idempotency_key where lease_token = 'other-replica' and state = 'IN_PROGRESS'"))
                .as("the new holder's claim stands").isEqualTo(1);
    }

    private static void assertReplayed(Response repeat, Response first) {
        assertThat(repeat.statusCode()).isEqualTo(first.statusCode());
        assertThat(repeat.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(repeat.asString()).isEqualTo(first.asString());
    }

    /** One answer ran the write; the other is its replay or, if it waited too long, 409 CONFLICT. */
    private static int assertOneEffect(List<Response> answers, int status) {
        List<Response> ran = answers.stream().filter(a -> a.statusCode() == status && a.header("Idempotent-Replayed") == null)
                .toList();
        assertThat(ran).as("exactly one ran the write").hasSize(1);
        for (Response answer : answers) {
            if (answer != ran.get(0)) {
                assertThat(answer.statusCode()).as(answer.asString()).isIn(status, 409);
                if (answer.statusCode() == status) {
                    assertReplayed(answer, ran.get(0));
                }
            }
        }
        return (int) answers.stream().filter(a -> "true".equals(a.header("Idempotent-Replayed"))).count();
    }

    /** incident.io answers for {@code scheduleId} only after {@code delayMs}, so a repeat arrives while the first runs. */
    private void slowOnCall(String scheduleId, int delayMs) {
        String shift = entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)),
                PRIMARY.equals(scheduleId) ? "Ada" : "Grace", PRIMARY.equals(scheduleId) ? "ada@example.com" : "grace@example.com");
        wiremock.register(IncidentIoStubs.entriesRequest(scheduleId, NOW.toString(), NOW)
                .willReturn(okJson(IncidentIoStubs.entriesBody(List.of(shift), List.of(), List.of(shift), null))
                        .withFixedDelay(delayMs)));
    }

    /** Two of {@code send}, released together. */
    private static List<Response> together(Supplier<Response> send) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<Response>> sent = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                sent.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return send.get();
                }, threads));
            }
            List<Response> answers = new ArrayList<>();
            for (CompletableFuture<Response> answer : sent) {
                answers.add(answer.get());
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }
}
