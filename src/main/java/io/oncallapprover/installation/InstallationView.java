package io.oncallapprover.installation;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What an admin sees of an installation: never the key, only its last four characters. */
@RegisterForReflection
public record InstallationView(
        String orgId,
        String keyHint,
        String identityName,
        List<String> roles,
        String customFieldId,
        String customFieldType,
        List<String> autoApprovalScheduleIds,
        Instant installedAt,
        Instant keyRotatedAt,
        Instant updatedAt) {

    public static InstallationView of(Integration i) {
        return new InstallationView(i.orgId, "…" + i.apiKeyHint, i.identityName, List.of(i.identityRoles),
                i.customFieldId, i.customFieldType, i.autoApprovalSchedules(), i.installedAt,
                i.keyRotatedAt, i.updatedAt);
    }
}
