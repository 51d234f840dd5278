package io.oncallapprover.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The audit trail nobody can rewrite (V15): UPDATE and DELETE refused even to the table's owner; a change or a
 * deletion made with the trigger switched off named by the verification; appends of one organization in parallel
 * never fork the chain; the chain of an insert that knows nothing of it (the previous release during a rollout);
 * Java and SQL hash alike.
 */
@QuarkusTest
@ConnectWireMock
class AuditChainApiTest extends ApiTestBase {

    private ValidatableResponse verification(String org) {
        return given().get(base(org) + "/audit-events/verification").then().statusCode(200);
    }

    /** Nine events of ORG: install, auto-approval set, policy, then six changes of the auto-approval schedules. */
    private List<Long> nineEvents() {
        installWithAutoApproval(ORG, PRIMARY);
        for (int i = 0; i < 6; i++) {
            clock.set(NOW.plus(Duration.ofSeconds(i + 1)));
            setAutoApproval(ORG, i % 2 == 0 ? List.of() : List.of(PRIMARY)).statusCode(200);
        }
        List<Long> ids = new ArrayList<>();
        pool.preparedQuery("select id from audit_event where org_id = $1 order by chain_seq").execute(Tuple.of(ORG))
                .await().indefinitely().forEach(r -> ids.add(r.getLong(0)));
        assertThat(ids).hasSize(9);
        return ids;
    }

    /** As the table's owner, with the append-only trigger off for this one statement (one transaction). */
    private void withTheTriggerOff(String sql, Object... params) {
        pool.withTransaction(conn -> conn.query("alter table audit_event disable trigger audit_event_append_only").execute()
                .chain(() -> conn.preparedQuery(sql).execute(Tuple.from(params)))
                .chain(() -> conn.query("alter table audit_event enable trigger audit_event_append_only").execute()))
                .await().indefinitely();
    }

    @Test
    void anIntactTrailIsVerifiedWithItsHeadHash() {
        List<Long> ids = nineEvents();
        Row head = pool.preparedQuery("select encode(hash, 'hex'), chain_seq, prev_hash from audit_event where id = $1")
                .execute(Tuple.of(ids.get(8))).await().indefinitely().iterator().next();
        verification(ORG).body("verified", equalTo(true)).body("events", equalTo(9)).body("firstBrokenLink", nullValue())
                .body("lastHash", equalTo(head.getString(0)));
        assertThat(head.getLong(1)).isEqualTo(9);
        // Another organization's trail is a chain of its own, empty here.
        verification("other-org").body("verified", equalTo(true)).body("events", equalTo(0)).body("lastHash", nullValue());
    }

    @Test
    void theOwnerCannotUpdateOrDeleteAnEvent() {
        List<Long> ids = nineEvents();
        // The tests' role owns the table (and is a superuser here): privileges do not stop it, the trigger does.
        assertThatThrownBy(() -> pool.preparedQuery("update audit_event set detail = 'nothing happened' where id = $1")
                .execute(Tuple.of(ids.get(3))).await().indefinitely())
                .hasMessageContaining("audit_event is append-only: UPDATE of event " + ids.get(3) + " refused");
        assertThatThrownBy(() -> pool.preparedQuery("delete from audit_event where id = $1")
                .execute(Tuple.of(ids.get(3))).await().indefinitely())
                .hasMessageContaining("audit_event is append-only: DELETE of event " + ids.get(3) + " refused");
        assertThat(pool.query("select count(*) from audit_event").execute().await().indefinitely().iterator().next().getLong(0))
                .isEqualTo(9);
        verification(ORG).body("verified", equalTo(true));
    }

    @Test
    void anEventChangedWithTheTriggerOffIsTheFirstBrokenLink() {
        List<Long> ids = nineEvents();
        withTheTriggerOff("update audit_event set subject = 'someone-else' where id = $1", ids.get(4));
        JsonPath answer = verification(ORG).body("verified", equalTo(false)).body("events", equalTo(5))
                .body("firstBrokenLink.id", equalTo(ids.get(4).intValue())).body("firstBrokenLink.seq", equalTo(5))
                .body("lastHash", nullValue()).extract().jsonPath();
        assertThat(answer.getString("firstBrokenLink.reason")).contains("changed after it was written");
    }

    @Test
    void anEventChangedWithItsHashRecomputedBreaksTheNextLink() {
        List<Long> ids = nineEvents();
        // A careful forger rewrites the event and its hash: the next event still links to the old hash.
        withTheTriggerOff("""
                update audit_event set detail = 'forged', hash = audit_event_hash(prev_hash, chain_seq, org_id, request_id,
                action, subject, 'forged', occurred_at) where id = $1""", ids.get(2));
        verification(ORG).body("verified", equalTo(false)).body("firstBrokenLink.id", equalTo(ids.get(3).intValue()))
                .body("firstBrokenLink.reason", equalTo("its prev_hash is not the hash of the event before it"));
    }

    @Test
    void anEventDeletedInTheMiddleIsDetectedAtTheNextOne() {
        List<Long> ids = nineEvents();
        withTheTriggerOff("delete from audit_event where id = $1", ids.get(5));
        verification(ORG).body("verified", equalTo(false)).body("firstBrokenLink.id", equalTo(ids.get(6).intValue()))
                .body("firstBrokenLink.seq", equalTo(7))
                .body("firstBrokenLink.reason", equalTo("events are missing before it: position 7 follows 5"));
        // The first event deleted: the trail no longer starts at 1.
        withTheTriggerOff("delete from audit_event where id = $1", ids.get(0));
        verification(ORG).body("firstBrokenLink.id", equalTo(ids.get(1).intValue()))
                .body("firstBrokenLink.reason", equalTo("the organization's first events are missing: the trail starts at position 2"));
    }

    @Test
    void fiftyParallelRequestsOfOneOrganizationGiveOneUnbrokenChain() throws Exception {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, IncidentIoStubs.entry(NOW.minusSeconds(60), NOW.plusSeconds(3600), "Ada", "ada@example.com"));
        long before = count(ORG);
        String auth = "Bearer " + EVERYTHING_TOKEN;
        ExecutorService pool50 = Executors.newFixedThreadPool(50);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String requester = i % 2 == 0 ? "ada@example.com" : "person" + i + "@example.com";
                String key = "chain-" + i;
                calls.add(() -> {
                    // 50 at once is more than the pool's 20 connections: some are answered 503 (a connection not had in
                    // time, or an answer not had within the read deadline, possibly after the write committed). A client
                    // retries with its Idempotency-Key: a committed write is replayed, a write still running answers 409
                    // until it ends, one never made is made (once its key's lease lapsed).
                    int status = 0;
                    long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                    do {
                        status = given().header("Authorization", auth).header("Idempotency-Key", key)
                                .contentType("application/json").body(Map.of("requester", requester,
                                        "resource", Map.of("type", "role", "service", "web", "name", "prod")))
                                .post(base(ORG) + "/access-requests").statusCode();
                        if (status != 503 && status != 409) {
                            break;
                        }
                        Thread.sleep(500);
                    } while (System.nanoTime() < until);
                    return status;
                });
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool50.invokeAll(calls)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(201);
        } finally {
            pool50.shutdownNow();
        }
        // Each request wrote REQUEST_CREATED once (and Ada's, mostly, REQUEST_AUTO_APPROVED): at least 50 appends at once.
        assertThat(pool.preparedQuery("select count(*) from audit_event where org_id = $1 and action = 'REQUEST_CREATED'")
                .execute(Tuple.of(ORG)).await().indefinitely().iterator().next().getLong(0)).isEqualTo(50);
        assertThat(count(ORG) - before).isGreaterThanOrEqualTo(50);
        long n = count(ORG);
        Row positions = pool.preparedQuery("select count(distinct chain_seq), min(chain_seq), max(chain_seq) from audit_event"
                + " where org_id = $1").execute(Tuple.of(ORG)).await().indefinitely().iterator().next();
        assertThat(List.of(positions.getLong(0), positions.getLong(1), positions.getLong(2))).containsExactly(n, 1L, n);
        verification(ORG).body("verified", equalTo(true)).body("events", equalTo((int) n));
    }

    @Test
    void anInsertThatKnowsNothingOfTheChainIsChainedByTheDatabase() {
        nineEvents();
        // What the previous release writes during a rolling update, and whatever it says of the chain is overwritten.
        pool.preparedQuery("""
                insert into audit_event (org_id, action, subject, detail, occurred_at, request_id, chain_seq, prev_hash, hash)
                values ($1, 'POLICY_CHANGED', 'old-release', null, now(), null, 1, '\\x00', '\\x00')""").execute(Tuple.of(ORG))
                .await().indefinitely();
        pool.preparedQuery("insert into audit_event (org_id, action, subject, occurred_at) values ($1, 'POLICY_CHANGED', 'x', now())")
                .execute(Tuple.of(ORG)).await().indefinitely();
        verification(ORG).body("verified", equalTo(true)).body("events", equalTo(11));
    }

    @Test
    void javaAndSqlHashAlike() {
        List<AuditChain.Link> cases = List.of(
                new AuditChain.Link(1, "acme", null, "POLICY_CHANGED", "alice", null, Instant.parse("2026-03-04T12:00:00Z")),
                new AuditChain.Link(2, "acme", "0a1b2c3d-0000-4000-8000-000000000000", "REQUEST_CREATED", "",
                        "", Instant.parse("2026-03-04T12:00:00.123456Z")),
                new AuditChain.Link(Long.MAX_VALUE, "org-ü", "r", "A", "Grüße, 東京 🚀 'quoted' \"double\" \\ back",
                        "line\nbreak\ttab" + "x".repeat(2000), Instant.parse("1969-12-31T23:59:59.999999Z")),
                // Fields whose concatenation is the same: the length prefixes keep them apart.
                new AuditChain.Link(3, "ab", "c", "A", "s", "d", Instant.parse("2030-01-01T00:00:00.000001Z")),
                new AuditChain.Link(3, "a", "bc", "A", "s", "d", Instant.parse("2030-01-01T00:00:00.000001Z")));
        byte[] prev = AuditChain.genesis();
        List<String> javas = new ArrayList<>();
        for (AuditChain.Link c : cases) {
            byte[] ours = AuditChain.hash(prev, c);
            byte[] sql = pool.preparedQuery("select audit_event_hash($1, $2, $3, $4, $5, $6, $7, $8)")
                    .execute(Tuple.from(new Object[] { io.vertx.core.buffer.Buffer.buffer(prev), c.seq(), c.orgId(),
                            c.requestId(), c.action(), c.subject(), c.detail(), c.occurredAt().atOffset(java.time.ZoneOffset.UTC) }))
                    .await().indefinitely().iterator().next().getBuffer(0).getBytes();
            assertThat(HexFormat.of().formatHex(ours)).as(c.toString()).isEqualTo(HexFormat.of().formatHex(sql));
            javas.add(HexFormat.of().formatHex(ours));
            prev = ours;
        }
        assertThat(javas).doesNotHaveDuplicates();
    }

    private long count(String org) {
        return pool.preparedQuery("select count(*) from audit_event where org_id = $1").execute(Tuple.of(org)).await()
                .indefinitely().iterator().next().getLong(0);
    }
}
