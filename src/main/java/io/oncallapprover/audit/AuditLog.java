package io.oncallapprover.audit;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

/**
 * Records audited changes. Call inside the transaction of the change itself, so a change and its
 * audit record are written together or not at all.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final int MAX_DETAIL = 2000;

    @Inject
    Clock clock;

    /** The organization's newest {@code limit} events, newest first. */
    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<java.util.List<AuditEvent>> recent(String orgId, int limit) {
        return AuditEvent.<AuditEvent> find("orgId", io.quarkus.panache.common.Sort.descending("occurredAt", "id"), orgId)
                .page(io.quarkus.panache.common.Page.ofSize(limit)).list();
    }

    public Uni<AuditEvent> record(String orgId, AuditAction action, Caller caller, String detail) {
        return record(orgId, null, action, caller.subject(), detail);
    }

    /** An event of one access request's trail; {@code subject} is who acted (a caller, or "system"). */
    public Uni<AuditEvent> record(String orgId, String requestId, AuditAction action, String subject, String detail) {
        AuditEvent event = new AuditEvent();
        event.orgId = orgId;
        event.requestId = requestId;
        event.action = action.name();
        event.subject = subject; // whole: the column is unbounded text
        event.detail = detail == null ? null : truncate(detail, MAX_DETAIL);
        event.occurredAt = clock.instant();
        LOG.infof("audit org=%s request=%s action=%s subject=%s detail=%s", orgId, requestId, event.action, event.subject,
                event.detail);
        return event.persist();
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
