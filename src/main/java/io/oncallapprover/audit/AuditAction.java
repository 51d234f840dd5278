package io.oncallapprover.audit;

/** Audited actions. Published names: never rename, only add. */
public enum AuditAction {
    INTEGRATION_INSTALLED,
    INTEGRATION_KEY_ROTATED,
    INTEGRATION_REFRESHED,
    INTEGRATION_UNINSTALLED,
    AUTO_APPROVAL_SCHEDULES_CHANGED,
    SECRET_REENCRYPTED
}
