package io.oncallapprover.audit;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

/**
 * Records audited changes. Call inside the transaction of the change itself, so a change and its
 * audit record are written together or not at all. The insert links the event into its organization's
 * chain (migration V15's trigger) under a per-organization lock held until the commit; the session is
 * flushed first, so the rows the change writes are locked before that lock, as {@code RequestEvents}
 * locks them before its counter: one order of locks (rows of the change, audit chain, event counter), no
 * deadlock between two changes of one organization.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final int MAX_DETAIL = 2000;

    @Inject
    Clock clock;

    /** One page of the organization's events, newest first, and the cursor of the next page (null at the end). */
    public record Page(java.util.List<AuditEvent> events, String next) {
    }

    /** A page of the trail as {@code query} filters it (one row more than the limit tells whether more follow). */
    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Page> page(String orgId, AuditQuery query) {
        java.util.Map<String, Object> parameters = AuditQuery.parameters();
        String where = query.where(parameters, orgId);
        return AuditEvent.<AuditEvent> find(where, io.quarkus.panache.common.Sort.descending("occurredAt", "id"), parameters)
                .range(0, query.limit()).list()
                .map(rows -> {
                    boolean more = rows.size() > query.limit();
                    java.util.List<AuditEvent> page = more ? rows.subList(0, query.limit()) : rows;
                    AuditEvent last = more ? page.get(page.size() - 1) : null;
                    return new Page(page, last == null ? null : new AuditQuery.Cursor(last.occurredAt, last.id).encode());
                });
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
        // Whole microseconds, as PostgreSQL keeps them: the chain's hash covers the stored instant.
        event.occurredAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        LOG.infof("audit org=%s request=%s action=%s subject=%s detail=%s", orgId, requestId, event.action, event.subject,
                event.detail);
        return io.quarkus.hibernate.reactive.panache.Panache.getSession()
                .call(org.hibernate.reactive.mutiny.Mutiny.Session::flush)
                .flatMap(session -> event.<AuditEvent> persist());
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
