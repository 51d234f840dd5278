package io.oncallapprover.delivery;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.delivery.EventDestinationViews.CreatedDestination;
import io.oncallapprover.delivery.EventDestinationViews.DestinationStatus;
import io.oncallapprover.delivery.EventDestinationViews.NewDestination;
import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.request.RequestEventType;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Registers, shows and removes an organization's event destinations. A destination's URL is checked when it
 * is registered (as written, and every address its host resolves to now), and again before each delivery. A
 * new destination receives the events that happen after its registration.
 */
@ApplicationScoped
public class EventDestinations {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    DestinationAddresses addresses;

    @Inject
    EventsConfig config;

    @Inject
    SecretCipher cipher;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /** Checks the URL and the types (no database connection is held while the host is looked up), then stores it. */
    public Uni<CreatedDestination> register(String orgId, NewDestination body, Caller caller) {
        List<String> types = types(body.types());
        DestinationRules.Target target;
        try {
            target = addresses.target(body.url());
        } catch (DestinationRules.Refused refused) {
            throw notAllowed(refused);
        }
        return addresses.address(target)
                .onFailure(DestinationRules.Refused.class).transform(f -> notAllowed((DestinationRules.Refused) f))
                .flatMap(ignored -> store(orgId, body.url().trim(), types, caller));
    }

    private static ApiException notAllowed(DestinationRules.Refused refused) {
        return ApiException.unprocessable(ProblemCode.DESTINATION_NOT_ALLOWED, "Events cannot be sent to this URL: it "
                + refused.getMessage() + ".", List.of(new FieldError("url", refused.getMessage())));
    }

    /** The types, checked and without repeats; null (every type) when none are given. */
    private static List<String> types(List<String> given) {
        if (given == null) {
            return null;
        }
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            if (RequestEventType.ofWire(given.get(i).trim()).isEmpty()) {
                errors.add(new FieldError("types[" + i + "]", "must be one of " + String.join(", ",
                        java.util.Arrays.stream(RequestEventType.values()).map(RequestEventType::wire).toList())));
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid("Unknown event types.", errors);
        }
        return List.copyOf(new LinkedHashSet<>(given.stream().map(String::trim).toList()));
    }

    @WithTransaction
    Uni<CreatedDestination> store(String orgId, String url, List<String> types, Caller caller) {
        return EventDestination.count("orgId", orgId).flatMap(count -> {
            if (count >= config.maxDestinations()) {
                throw ApiException.unprocessable(ProblemCode.TOO_MANY_DESTINATIONS, "The organization has "
                        + config.maxDestinations() + " event destinations, as many as it may; remove one first.", List.of());
            }
            return Panache.getSession().flatMap(session -> session.createNativeQuery(
                    "select coalesce((select last_seq from org_event_counter where org_id = :org), 0)", Long.class)
                    .setParameter("org", orgId).getSingleResult());
        }).flatMap(lastSeq -> {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            SigningSecret secret = SigningSecret.parse(SigningSecret.PREFIX + Base64.getEncoder().encodeToString(bytes))
                    .orElseThrow();
            EventDestination d = new EventDestination();
            d.id = UUID.randomUUID();
            d.orgId = orgId;
            d.url = url;
            d.types = types == null ? null : types.toArray(String[]::new);
            d.secretCiphertext = cipher.encrypt(secret.reveal(), EventDestination.secretContext(orgId, d.id));
            d.secretHint = secret.hint();
            d.createdAt = clock.instant();
            d.createdBy = caller.subject();
            d.deliveredSeq = lastSeq; // from now on: what happened before is in GET /events
            d.nextAttemptAt = d.createdAt;
            return d.<EventDestination> persist()
                    .call(() -> audit.record(orgId, AuditAction.EVENT_DESTINATION_ADDED, caller,
                            d.id + " " + withoutQuery(url) + (types == null ? " (every type)" : " " + String.join(",", types))))
                    .map(saved -> new CreatedDestination(d.id.toString(), url, types, secret.reveal()));
        });
    }

    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<List<EventDestinationViews.Destination>> list(String orgId) {
        return EventDestination.<EventDestination> list("orgId = ?1 order by createdAt, id", orgId)
                .map(all -> all.stream().map(EventDestinationViews::of).toList());
    }

    /** One destination with its backlog: events of its types past its cursor. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<DestinationStatus> show(String orgId, String id) {
        return find(orgId, id).flatMap(d -> Panache.getSession().flatMap(session -> session.createNativeQuery("""
                select count(*) from request_event where org_id = :org and seq > :seq
                and (cast(:types as text) is null or type = any(string_to_array(cast(:types as text), ',')))""", Long.class)
                .setParameter("org", orgId).setParameter("seq", d.deliveredSeq)
                .setParameter("types", d.types == null ? null : String.join(",", d.types)).getSingleResult())
                .map(backlog -> EventDestinationViews.status(d, backlog)));
    }

    @WithTransaction
    public Uni<Void> remove(String orgId, String id, Caller caller) {
        return find(orgId, id).flatMap(d -> d.delete()
                .call(() -> audit.record(orgId, AuditAction.EVENT_DESTINATION_REMOVED, caller, d.id + " " + withoutQuery(d.url))));
    }

    /**
     * The URL as the audit trail (and its log line) records it: without its query, which may carry a token the
     * receiver checks. The whole URL is shown to admins only, by the API.
     */
    static String withoutQuery(String url) {
        int cut = url.indexOf('?');
        return cut < 0 ? url : url.substring(0, cut) + "?…";
    }

    /** The organization's destination, or 404 (another organization's destination is not revealed). */
    private static Uni<EventDestination> find(String orgId, String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new ApiException(404, ProblemCode.NOT_FOUND, "No such event destination."));
        }
        return EventDestination.<EventDestination> findById(uuid).map(d -> {
            if (d == null || !d.orgId.equals(orgId)) {
                throw new ApiException(404, ProblemCode.NOT_FOUND, "No such event destination.");
            }
            return d;
        });
    }
}
