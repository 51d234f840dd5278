package io.oncallapprover.installation;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.common.WithSession;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Master-key rotation, second half: after a new key id becomes active, API keys still sealed under
 * an older one are re-encrypted in the background, one row per transaction. Safe with several
 * replicas: rows are locked with {@code FOR UPDATE SKIP LOCKED}, and the version column catches
 * anything else. Once no row uses an old id, that master key can be removed from configuration.
 */
@ApplicationScoped
public class KeyReencryptionJob {

    private static final Logger LOG = Logger.getLogger(KeyReencryptionJob.class);

    @Inject
    SecretCipher cipher;

    @Inject
    AuditLog audit;

    @Scheduled(every = "${oncall.jobs.reencrypt-every:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return reencryptAll().invoke(count -> {
            if (count > 0) {
                LOG.infof("re-encrypted %d API key(s) under master key %s", count, cipher.activeKeyId());
            }
        }).replaceWithVoid();
    }

    /** Re-encrypts every API key not sealed under the active master key; returns how many. */
    public Uni<Integer> reencryptAll() {
        String current = "v1." + cipher.activeKeyId() + ".%";
        return staleOrgs(current)
                .flatMap(stale -> Multi.createFrom().iterable(stale)
                        .onItem().transformToUniAndConcatenate(row -> reencrypt(row.orgId(), current))
                        .collect().asList())
                .map(done -> (int) done.stream().filter(Boolean::booleanValue).count());
    }

    @io.quarkus.runtime.annotations.RegisterForReflection
    public record OrgIdOnly(String orgId) {
    }

    @WithSession
    Uni<java.util.List<OrgIdOnly>> staleOrgs(String current) {
        return Integration.<Integration> find("apiKeyCiphertext not like ?1 or webhookSecretCiphertext not like ?1", current)
                .project(OrgIdOnly.class).list();
    }

    /** Re-encrypts one organization's key under a row lock, skipping a row another replica holds. */
    @WithTransaction
    Uni<Boolean> reencryptLocked(String orgId, String currentPattern) {
        return Panache.getSession().flatMap(session -> session
                .createNativeQuery("select org_id from incidentio_integration where org_id = ?1 and (api_key_ciphertext not like ?2"
                        + " or webhook_secret_ciphertext not like ?2) for update skip locked", String.class)
                .setParameter(1, orgId).setParameter(2, currentPattern)
                .getResultList())
                .flatMap(locked -> locked.isEmpty() ? Uni.createFrom().item(false)
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
                                    .replaceWith(true);
                        }));
    }

    private Uni<Boolean> reencrypt(String orgId, String currentPattern) {
        return reencryptLocked(orgId, currentPattern)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("could not re-encrypt the API key of org %s: %s", orgId, failure.getMessage());
                    return false;
                });
    }

}
