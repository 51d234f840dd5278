package io.oncallapprover.installation;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.queue.LeaseLost;
import io.oncallapprover.queue.LeasedQueue;
import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Master-key rotation, second half: after a new key id becomes active, API keys (and webhook signing secrets)
 * still sealed under an older one are re-encrypted in the background, one installation per transaction. The
 * installations to do are a leased queue ({@link LeasedQueue}; the SQL is {@link KeyReencryptionRows}): claimed
 * skipping rows another replica locked, with a fenced lease, so replicas never re-encrypt the same one at once;
 * the attempt counted first; a failure backed off; leases given back at shutdown. Once no row uses an old id,
 * that master key can be removed from configuration.
 */
@ApplicationScoped
public class KeyReencryptionJob {

    private static final Logger LOG = Logger.getLogger(KeyReencryptionJob.class);

    @Inject
    SecretCipher cipher;

    @Inject
    AuditLog audit;

    @Inject
    LeasedQueues queues;

    private LeasedQueue<Stale> queue;

    /** A claimed installation and the lease's owner token. */
    record Stale(String orgId, String owner) {
        @Override
        public String toString() {
            return orgId;
        }
    }

    @PostConstruct
    void makeQueue() {
        queue = queues.of(handler());
    }

    /** The queue's handler, its call this job's re-encryption (tests work it as a second replica). */
    QueueHandler<Stale> handler() {
        return new KeyReencryptionRows(this::activePattern, this::reencrypt);
    }

    @Scheduled(every = "${oncall.jobs.reencrypt-every:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return reencryptAll().invoke(count -> {
            if (count > 0) {
                LOG.infof("re-encrypted %d API key(s) under master key %s", count, cipher.activeKeyId());
            }
        }).replaceWithVoid();
    }

    /** Re-encrypts every due installation not sealed under the active master key, a batch at a time; returns how many. */
    public Uni<Integer> reencryptAll() {
        return queue.drain().flatMap(drained -> drained.claimed() == 0 ? Uni.createFrom().item(0)
                : reencryptAll().map(more -> drained.succeeded() + more));
    }

    private String activePattern() {
        return "v1." + cipher.activeKeyId() + ".%";
    }

    /**
     * The call: frees the lease (fenced: {@link LeaseLost} if taken over) and re-encrypts under the active key,
     * with the audit record, in one transaction.
     */
    @WithTransaction
    Uni<String> reencrypt(Stale row) {
        String orgId = row.orgId();
        return Panache.getSession().flatMap(session -> session.createNativeQuery("update incidentio_integration"
                + " set reencrypt_owner = null, reencrypt_lease_until = null, reencrypt_attempts = 0, reencrypt_next_at = null,"
                + " reencrypt_error = null where org_id = ?1 and reencrypt_owner = ?2")
                .setParameter(1, orgId).setParameter(2, row.owner()).executeUpdate())
                .flatMap(freed -> freed == 0
                        ? Uni.createFrom().<String> failure(new LeaseLost("taken over: nothing re-encrypted"))
                        : Integration.<Integration> findById(orgId).flatMap(integration -> {
                            String oldKeyId = SecretCipher.keyIdOf(integration.apiKeyCiphertext);
                            integration.apiKeyCiphertext = cipher.encrypt(cipher.decrypt(integration.apiKeyCiphertext, orgId), orgId);
                            String what = "API key";
                            if (integration.webhookSecretCiphertext != null) {
                                String context = IntegrationService.webhookSecretContext(orgId);
                                integration.webhookSecretCiphertext = cipher.encrypt(
                                        cipher.decrypt(integration.webhookSecretCiphertext, context), context);
                                what = "API key and webhook signing secret";
                            }
                            return audit.record(orgId, AuditAction.SECRET_REENCRYPTED, Caller.SYSTEM,
                                    what + " re-encrypted from master key " + oldKeyId + " to " + cipher.activeKeyId())
                                    .replaceWith(what + " re-encrypted");
                        }));
    }
}
