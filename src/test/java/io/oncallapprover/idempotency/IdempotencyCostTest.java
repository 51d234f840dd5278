package io.oncallapprover.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.StatementCountingProxy;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * What a key costs, read off the wire ({@link StatementCountingProxy}): a keyed create sends two
 * statements more than one without a key (the claim, and the answer in the write's transaction); a
 * replay sends two (the claim that meets the key, the read of its answer) and writes nothing. The
 * latencies of the three are printed (IDEMPOTENCY-COST), not held to: the machine is shared.
 */
@QuarkusTest
@TestProfile(IdempotencyCostTest.CountedDatabase.class)
@ConnectWireMock
class IdempotencyCostTest extends KeyedApiTestBase {

    static final int ROUNDS = 40;

    /** The datasource goes through the statement-counting proxy. */
    public static class CountedDatabase implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StatementCountingProxy.class));
        }
    }

    @Test
    void aKeyCostsTwoStatementsAndAReplayTwoReadsWithoutAWrite() {
        for (int i = 0; i < 5; i++) { // warm: snapshots, on-call cache, JIT
            create(UUID.randomUUID().toString(), requestBody("bob@example.com", "postgres")).then().statusCode(201);
        }
        // The fewest of five: the replica's lease renewal (once a second) may fall into one.
        long plain = Long.MAX_VALUE;
        long keyed = Long.MAX_VALUE;
        long replay = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            String key = UUID.randomUUID().toString();
            plain = Math.min(plain, statements(() -> create(null, requestBody("bob@example.com", "postgres"))));
            keyed = Math.min(keyed, statements(() -> create(key, requestBody("bob@example.com", "postgres"))));
            long requestsBefore = requests();
            replay = Math.min(replay, statements(() -> create(key, requestBody("bob@example.com", "postgres"))));
            assertThat(requests()).isEqualTo(requestsBefore);
        }
        assertThat(keyed - plain).as("a key's statements on a create (plain %d, keyed %d)", plain, keyed).isEqualTo(2);
        assertThat(replay).as("a replay's statements").isEqualTo(2);

        List<Long> plainMs = new ArrayList<>();
        List<Long> keyedMs = new ArrayList<>();
        List<Long> replayMs = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            String fresh = UUID.randomUUID().toString();
            plainMs.add(micros(() -> create(null, requestBody("bob@example.com", "postgres"))));
            keyedMs.add(micros(() -> create(fresh, requestBody("bob@example.com", "postgres"))));
            replayMs.add(micros(() -> create(fresh, requestBody("bob@example.com", "postgres"))));
        }
        System.out.printf("IDEMPOTENCY-COST | statements per create: %d without a key, %d with a new key, %d per replay"
                + " | median (p90) latency over %d creates: %s without a key, %s with a new key, %s per replay%n",
                plain, keyed, replay, ROUNDS, summary(plainMs), summary(keyedMs), summary(replayMs));
    }

    /**
     * Without a key, the answer of a create is rendered in the transaction that makes it: nothing is sent to
     * the database after its COMMIT, so a database that fails then cannot turn a created request into a 503
     * its caller would retry (and create twice). A background transaction (the replica lease renewal, once a
     * second) may fall between the COMMIT and the answer: most of the tries must see nothing after it.
     */
    @Test
    void aCreateWithoutAKeyIsAnsweredFromItsTransactionWithNothingSentAfterItsCommit() {
        for (int i = 0; i < 3; i++) { // warm
            create(null, requestBody("bob@example.com", "postgres")).then().statusCode(201);
        }
        List<Long> afterCommit = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            assertThat(create(null, requestBody("bob@example.com", "postgres")).statusCode()).isEqualTo(201);
            afterCommit.add(StatementCountingProxy.statements() - StatementCountingProxy.lastCommit());
        }
        assertThat(afterCommit.stream().filter(n -> n == 0).count())
                .as("tries with no statement after the create's COMMIT, of %s", afterCommit).isGreaterThanOrEqualTo(5);
    }

    private long statements(Supplier<Response> send) {
        long before = StatementCountingProxy.statements();
        assertThat(send.get().statusCode()).isEqualTo(201);
        return StatementCountingProxy.statements() - before;
    }

    private static long micros(Supplier<Response> send) {
        long started = System.nanoTime();
        assertThat(send.get().statusCode()).isEqualTo(201);
        return (System.nanoTime() - started) / 1_000;
    }

    private static String summary(List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return String.format("%.1f ms (%.1f)", sorted.get(sorted.size() / 2) / 1000.0,
                sorted.get(sorted.size() * 9 / 10) / 1000.0);
    }
}
