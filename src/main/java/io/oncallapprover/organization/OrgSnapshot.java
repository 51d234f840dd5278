package io.oncallapprover.organization;

import java.util.List;
import java.util.Optional;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.policy.AccessPolicy;

/**
 * What checks, requests and decisions need to know about an organization, held in memory: its
 * incident.io installation (with the key already decrypted) and its policy, parsed (or default
 * routing when none is stored). Immutable.
 */
public record OrgSnapshot(String orgId, Optional<Installed> installation, AccessPolicy policy) {

    /** The parts of an installation a check uses. {@link #toString()} never shows the key. */
    public record Installed(ApiKey key, List<String> autoApprovalSchedules) {

        public Installed {
            autoApprovalSchedules = List.copyOf(autoApprovalSchedules);
        }
    }
}
