package io.oncallapprover.installation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueHandlerContract;
import io.oncallapprover.security.SecretCipher;
import io.oncallapprover.security.SecretsConfig;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.MutableClock;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Key re-encryption after a master-key rotation, held to the leased-queue contract (no remote call, same rules). */
@QuarkusTest
@ConnectWireMock
class KeyReencryptionQueueContractTest extends ApiTestBase implements QueueHandlerContract<KeyReencryptionJob.Stale> {

    /** A master key of an older deployment. */
    static final SecretCipher OLD = SecretCipher.fromConfig(new SecretsConfig() {
        @Override
        public String activeKeyId() {
            return "old";
        }

        @Override
        public List<String> masterKeys() {
            return List.of("old:b2xkLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyEhISE=");
        }
    });

    @Inject
    KeyReencryptionJob job;

    @Inject
    LeasedQueues queues;

    @Override
    public QueueHandler<KeyReencryptionJob.Stale> handler() {
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

    /** An installation whose API key is sealed under the old master key. */
    @Override
    public void oneDueRow() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        pool.preparedQuery("update incidentio_integration set api_key_ciphertext = $1 where org_id = $2")
                .execute(Tuple.of(OLD.encrypt(KEY, ORG), ORG)).await().atMost(AWAIT);
    }

    /** Nothing to stub: the re-encryption is local. */
    @Override
    public void realCallWillSucceed() {
    }

    /** As documented (docs/architecture.md): a minute, doubling, at most an hour. */
    @Override
    public Duration configuredBackoff(int attempt) {
        Duration doubled = Duration.ofMinutes(1L << (attempt - 1));
        return doubled.compareTo(Duration.ofHours(1)) < 0 ? doubled : Duration.ofHours(1);
    }

    @Override
    public Uni<Integer> storedAttempts() {
        return pool.preparedQuery("select reencrypt_attempts from incidentio_integration where org_id = $1").execute(Tuple.of(ORG))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    @Override
    public String leaseOwner() {
        return row().getString("reencrypt_owner");
    }

    @Override
    public Instant nextDue() {
        return row().getOffsetDateTime("reencrypt_next_at").toInstant();
    }

    @Override
    public String snapshot() {
        return pool.preparedQuery("select i::text from incidentio_integration i where org_id = $1").execute(Tuple.of(ORG))
                .await().atMost(AWAIT).iterator().next().getString(0);
    }

    private Row row() {
        return integrationRow(ORG);
    }
}
