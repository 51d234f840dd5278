package io.oncallapprover.common;

/**
 * A committed write changed what an organization's snapshot holds (its installation or its policy).
 * Fired (synchronously, as a CDI event) by the service that wrote, so this replica forgets the
 * snapshot at once; other replicas learn it from PostgreSQL (LISTEN/NOTIFY).
 */
public record OrgChanged(String orgId) {
}
