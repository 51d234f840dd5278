package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Writes a request's event, in the transaction that changes the request (call it inside that
 * transaction, after the change): {@code {"id", "type", "occurredAt", "orgId", "requestId", "data"}}
 * plus {@code approvedBy} or {@code endedReason} where the type carries one, {@code data} being the
 * request as {@code GET /access-requests} lists it after the change. Numbered per organization by
 * {@code org_event_counter}, whose row stays locked until the commit: events of an organization are
 * totally ordered, in commit order.
 */
@ApplicationScoped
public class RequestEvents {

    @Inject
    AccessRequestViews views;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    /** Records {@code type} for {@code request} (as it is now) in the current transaction. */
    public Uni<Void> record(AccessRequest request, RequestEventType type) {
        return record(request, type, Map.of());
    }

    /**
     * As {@link #record(AccessRequest, RequestEventType)}, with the type's own fields ({@code approvedBy},
     * {@code endedReason}). The event happened when the change did ({@code updatedAt}, which every change
     * sets). Call it last in the transaction: it takes the organization's counter row, held until the
     * commit; and it flushes first, so the request's row is always locked before the counter.
     */
    public Uni<Void> record(AccessRequest request, RequestEventType type, Map<String, String> fields) {
        return record(request, type, fields, request.updatedAt != null ? request.updatedAt : clock.instant());
    }

    /** As {@link #record(AccessRequest, RequestEventType, Map)}, for a change made at {@code now} outside the request's row (its page). */
    public Uni<Void> record(AccessRequest request, RequestEventType type, Map<String, String> fields, Instant now) {
        String id = UUID.randomUUID().toString();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", id);
        event.put("type", type.wire());
        event.put("occurredAt", now.toString());
        event.put("orgId", request.orgId);
        event.put("requestId", request.id);
        event.putAll(fields);
        event.put("data", views.summary(request, now));
        String body;
        try {
            body = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event that cannot be written as JSON", e);
        }
        // The event is bound as text and cast: bound straight to jsonb, the client would store a JSON string.
        return Panache.getSession().call(session -> session.flush()).flatMap(session -> session.createNativeQuery("""
                insert into org_event_counter (org_id, last_seq) values (:org, 1)
                on conflict (org_id) do update set last_seq = org_event_counter.last_seq + 1
                returning last_seq""", Long.class).setParameter("org", request.orgId).getSingleResult()
                .flatMap(seq -> session.createNativeQuery("""
                        insert into request_event (org_id, seq, id, type, request_id, occurred_at, event)
                        values (:org, :seq, :id, :type, :request, :at, cast(cast(:event as text) as jsonb))""")
                        .setParameter("org", request.orgId).setParameter("seq", seq).setParameter("id", UUID.fromString(id))
                        .setParameter("type", type.wire()).setParameter("request", request.id).setParameter("at", now)
                        .setParameter("event", body).executeUpdate()))
                .replaceWithVoid();
    }
}
