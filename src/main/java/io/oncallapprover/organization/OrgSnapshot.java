package io.oncallapprover.organization;

import java.util.List;
import java.util.Optional;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.policy.AccessPolicy;

/**
 * What checks, requests and decisions need to know about an organization, held in memory: its
 * incident.io installation (with the key already decrypted) and its policy, parsed (or default
 * routing when none is stored). Immutable.
 */
public record OrgSnapshot(String orgId, Optional<Installed> installation, AccessPolicy policy) {

    /**
     * The parts of an installation checks and webhook deliveries use. {@link #toString()} never shows
     * the key or the signing secret.
     */
    public record Installed(ApiKey key, List<String> autoApprovalSchedules, Optional<SigningSecret> webhookSecret,
            boolean closeOnIncidentResolved) {

        public Installed {
            autoApprovalSchedules = List.copyOf(autoApprovalSchedules);
            webhookSecret = webhookSecret == null ? Optional.empty() : webhookSecret;
        }

        public Installed(ApiKey key, List<String> autoApprovalSchedules) {
            this(key, autoApprovalSchedules, Optional.empty(), false);
        }
    }
}
