package io.oncallapprover.incidentio;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.common.CallerContext;
import io.micrometer.core.instrument.Timer;
import io.oncallapprover.incidentio.IncidentIoDtos.CatalogType;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateCustomFieldRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.EditIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.Incident;
import io.oncallapprover.incidentio.IncidentIoDtos.IncidentResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomField;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.Identity;
import io.oncallapprover.incidentio.IncidentIoDtos.IncidentType;
import io.oncallapprover.incidentio.IncidentIoDtos.Severity;
import io.oncallapprover.incidentio.IncidentIoDtos.PaginationMeta;
import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleEntriesPage;
import io.oncallapprover.incidentio.IncidentIoException.Kind;
import io.oncallapprover.incidentio.KeyBudgets.Priority;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.common.Spans;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The typed incident.io client: per-attempt timeouts and a budget for all attempts of a read (from
 * configuration), retries of 429 (honouring {@code Retry-After}) and 5xx/network failures with
 * jittered exponential back-off, complete pagination, and validation of required fields. Every
 * failure surfaces as an {@link IncidentIoException}; callers fail closed on it.
 */
@ApplicationScoped
public class IncidentIoClient {

    private static final Logger LOG = Logger.getLogger(IncidentIoClient.class);

    private final IncidentIoApi api;
    private final IncidentIoConfig config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final KeyCircuitBreaker breaker;
    private final KeyBudgets budgets;
    private final Tracer tracer;

    /** Without tracing (unit tests). */
    public IncidentIoClient(IncidentIoApi api, IncidentIoConfig config, Clock clock, MeterRegistry meters,
            KeyCircuitBreaker breaker, KeyBudgets budgets) {
        this(api, config, clock, meters, breaker, budgets, OpenTelemetry.noop().getTracer("incidentio"));
    }

    @Inject
    public IncidentIoClient(@RestClient IncidentIoApi api, IncidentIoConfig config, Clock clock, MeterRegistry meters,
            KeyCircuitBreaker breaker, KeyBudgets budgets, Tracer tracer) {
        this.tracer = tracer;
        this.api = api;
        this.config = config;
        this.clock = clock;
        this.meters = meters;
        this.breaker = breaker;
        this.budgets = budgets;
    }

    public Uni<Identity> identity(ApiKey key) {
        return call(key, "identity", true, () -> api.identity(bearer(key)))
                .map(r -> {
                    if (r == null || r.identity() == null || r.identity().name() == null) {
                        throw malformed("identity", "no identity in the answer");
                    }
                    return r.identity();
                });
    }

    /** Every schedule of the account, following all pages ({@code oncall.incidentio.schedule-page-size} each). */
    public Uni<List<Schedule>> allSchedules(ApiKey key, Priority priority) {
        return schedulesFrom(key, priority, null, new ArrayList<>(), 1, new java.util.HashSet<>());
    }

    private Uni<List<Schedule>> schedulesFrom(ApiKey key, Priority priority, String after, List<Schedule> acc, int page,
            java.util.Set<String> seen) {
        if (page > config.maxPages()) {
            return Uni.createFrom().failure(malformed("schedules", "more than " + config.maxPages() + " pages"));
        }
        return breaker.guard(key, "schedules", call(key, priority, "schedules", true, config.listTimeout(),
                priority == Priority.INTERACTIVE ? config.readBudget() : null, CallSpans.about(null, page),
                () -> api.schedules(bearer(key), config.schedulePageSize(), after)))
                .flatMap(p -> {
                    if (p == null || p.schedules() == null) {
                        throw malformed("schedules", "no schedules list in the answer");
                    }
                    for (Schedule s : p.schedules()) {
                        if (s == null || s.id() == null) {
                            throw malformed("schedules", "a schedule without id");
                        }
                        acc.add(s);
                    }
                    String next = nextCursor(p.paginationMeta());
                    if (next == null || p.schedules().isEmpty()) {
                        return Uni.createFrom().item(acc);
                    }
                    if (!seen.add(next) || next.equals(after)) {
                        throw malformed("schedules", "the pagination cursor repeats");
                    }
                    return schedulesFrom(key, priority, next, acc, page + 1, seen);
                });
    }

    /**
     * The {@code final} entries of a schedule overlapping {@code [from, to]}, all pages: the cursor
     * moves into {@code entry_window_start} while {@code entry_window_end} stays fixed. A cursor
     * seen before (one pointing to its own page, or a loop) is a malformed answer, never the end of
     * the list. {@code wanted} is asked before each next page: once nobody waits, the fetch stops.
     */
    public Uni<List<Entry>> finalEntries(ApiKey key, String scheduleId, Instant from, Instant to,
            java.util.function.BooleanSupplier wanted, Priority priority) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        seen.add(from.toString());
        return entriesFrom(key, priority, scheduleId, from.toString(), to.toString(), new ArrayList<>(), 1, seen, wanted);
    }

    /** {@link #finalEntries(ApiKey, String, Instant, Instant, java.util.function.BooleanSupplier, Priority)} for a waiting caller. */
    public Uni<List<Entry>> finalEntries(ApiKey key, String scheduleId, Instant from, Instant to) {
        return finalEntries(key, scheduleId, from, to, () -> true, Priority.INTERACTIVE);
    }

    private Uni<List<Entry>> entriesFrom(ApiKey key, Priority priority, String scheduleId, String windowStart, String windowEnd,
            List<Entry> acc, int page, java.util.Set<String> seen, java.util.function.BooleanSupplier wanted) {
        if (page > config.maxPages()) {
            return Uni.createFrom().failure(malformed("schedule_entries",
                    "schedule " + scheduleId + ": more than " + config.maxPages() + " pages"));
        }
        return breaker.guard(key, "schedule_entries",
                call(key, priority, "schedule_entries", true, config.requestTimeout(),
                        priority == Priority.INTERACTIVE ? config.readBudget() : null, CallSpans.about(scheduleId, page),
                        () -> api.scheduleEntries(bearer(key), scheduleId, windowStart, windowEnd)))
                .flatMap(p -> {
                    List<Entry> entries = finalEntriesOf(p);
                    for (Entry e : entries) {
                        if (e == null || e.startAt() == null || e.endAt() == null) {
                            throw malformed("schedule_entries", "an entry without start_at or end_at");
                        }
                        acc.add(e);
                    }
                    String next = nextCursor(p.paginationMeta());
                    if (next == null) {
                        return Uni.createFrom().item(acc);
                    }
                    if (!seen.add(next)) {
                        LOG.warnf("incident.io pagination of schedule %s repeats cursor %s on page %d", scheduleId, next, page);
                        throw malformed("schedule_entries", "schedule " + scheduleId + ": the pagination cursor repeats");
                    }
                    if (!wanted.getAsBoolean()) {
                        throw IncidentIoException.of(Kind.ABANDONED, "schedule_entries: schedule " + scheduleId
                                + ": nobody waits for the answer any more; stopped before page " + (page + 1));
                    }
                    return entriesFrom(key, priority, scheduleId, next, windowEnd, acc, page + 1, seen, wanted);
                });
    }

    private static List<Entry> finalEntriesOf(ScheduleEntriesPage page) {
        if (page == null || page.scheduleEntries() == null || page.scheduleEntries().finalEntries() == null) {
            throw malformed("schedule_entries", "no schedule_entries.final in the answer");
        }
        return page.scheduleEntries().finalEntries();
    }

    public Uni<List<CatalogType>> catalogTypes(ApiKey key) {
        return call(key, "catalog_types", true, () -> api.catalogTypes(bearer(key)))
                .map(r -> {
                    if (r == null || r.catalogTypes() == null) {
                        throw malformed("catalog_types", "no catalog_types in the answer");
                    }
                    return r.catalogTypes();
                });
    }

    public Uni<List<CustomField>> customFields(ApiKey key) {
        return call(key, "custom_fields", true, () -> api.customFields(bearer(key)))
                .map(r -> {
                    if (r == null || r.customFields() == null) {
                        throw malformed("custom_fields", "no custom_fields in the answer");
                    }
                    return r.customFields();
                });
    }

    /** The organization's severities (an unpaginated list). */
    public Uni<List<Severity>> severities(ApiKey key) {
        return call(key, "severities", true, () -> api.severities(bearer(key)))
                .map(r -> {
                    if (r == null || r.severities() == null) {
                        throw malformed("severities", "no severities in the answer");
                    }
                    return r.severities();
                });
    }

    /** The organization's incident types (an unpaginated list). */
    public Uni<List<IncidentType>> incidentTypes(ApiKey key) {
        return call(key, "incident_types", true, () -> api.incidentTypes(bearer(key)))
                .map(r -> {
                    if (r == null || r.incidentTypes() == null) {
                        throw malformed("incident_types", "no incident_types in the answer");
                    }
                    return r.incidentTypes();
                });
    }

    /** Not idempotent upstream: retried only on 429, where incident.io did not process the request. */
    public Uni<CustomField> createCustomField(ApiKey key, CreateCustomFieldRequest request) {
        return write(key, Priority.INTERACTIVE, "create_custom_field", false, () -> api.createCustomField(bearer(key), request))
                .map(r -> {
                    if (r == null || r.customField() == null || r.customField().id() == null) {
                        throw malformed("create_custom_field", "no custom_field in the answer");
                    }
                    return r.customField();
                });
    }

    /**
     * Creates an incident. The idempotency key makes a repeat safe, so 5xx and timeouts are retried
     * too (the outbox retries again later, with the same key).
     */
    public Uni<Incident> createIncident(ApiKey key, CreateIncidentRequest request) {
        return write(key, Priority.BACKGROUND, "create_incident", true, () -> api.createIncident(bearer(key), request))
                .map(r -> incidentOf("create_incident", r));
    }

    /** Edits an incident; setting the same fields again is harmless, so it is retried like a read. */
    public Uni<Incident> editIncident(ApiKey key, String incidentId, EditIncidentRequest request) {
        return write(key, Priority.BACKGROUND, "edit_incident", true, () -> api.editIncident(bearer(key), incidentId, request))
                .map(r -> incidentOf("edit_incident", r));
    }

    /** One incident, with its status (a private incident's webhook carries only its id). Background work. */
    public Uni<Incident> incident(ApiKey key, String incidentId) {
        return call(key, Priority.BACKGROUND, "show_incident", true, config.requestTimeout(), config.readBudget(),
                () -> api.incident(bearer(key), incidentId)).map(r -> incidentOf("show_incident", r));
    }

    /**
     * Creates an escalation (a page without an incident). Like an incident, its idempotency key makes
     * a repeat return the first escalation, so 5xx and timeouts are retried. Counted against the
     * escalation budget too ({@link KeyBudgets}).
     */
    public Uni<IncidentIoDtos.Escalation> createEscalation(ApiKey key, IncidentIoDtos.CreateEscalationRequest request) {
        return write(key, Priority.BACKGROUND, KeyBudgets.CREATE_ESCALATION, true, () -> api.createEscalation(bearer(key), request))
                .map(r -> {
                    if (r == null || r.escalation() == null || r.escalation().id() == null) {
                        throw malformed(KeyBudgets.CREATE_ESCALATION, "no escalation in the answer");
                    }
                    return r.escalation();
                });
    }

    /** Cancels an escalation; cancelling again is harmless, so it is retried like a read. */
    public Uni<Void> cancelEscalation(ApiKey key, String escalationId) {
        return write(key, Priority.BACKGROUND, KeyBudgets.CANCEL_ESCALATION, true,
                () -> api.cancelEscalation(bearer(key), escalationId)).replaceWithVoid();
    }

    /** One escalation, with its status (a private escalation's webhook carries only its id). Background work. */
    public Uni<IncidentIoDtos.Escalation> escalation(ApiKey key, String escalationId) {
        return call(key, Priority.BACKGROUND, "show_escalation", true, config.requestTimeout(), config.readBudget(),
                () -> api.escalation(bearer(key), escalationId)).map(r -> {
                    if (r == null || r.escalation() == null || r.escalation().id() == null) {
                        throw malformed("show_escalation", "no escalation in the answer");
                    }
                    return r.escalation();
                });
    }

    /** One escalation path, or empty when incident.io does not know the id (policy validation: a caller waits). */
    public Uni<Optional<IncidentIoDtos.EscalationPath>> escalationPath(ApiKey key, String pathId) {
        return call(key, "escalation_path", true, () -> api.escalationPath(bearer(key), pathId))
                .map(r -> {
                    if (r == null || r.escalationPath() == null || r.escalationPath().id() == null) {
                        throw malformed("escalation_path", "no escalation_path in the answer");
                    }
                    return Optional.of(r.escalationPath());
                })
                .onFailure(e -> e instanceof IncidentIoException ie && ie.kind() == Kind.NOT_FOUND)
                .recoverWithItem(Optional.empty());
    }

    private static Incident incidentOf(String operation, IncidentResponse response) {
        if (response == null || response.incident() == null || response.incident().id() == null) {
            throw malformed(operation, "no incident in the answer");
        }
        return response.incident();
    }

    // --- plumbing -------------------------------------------------------------------------------

    private static String bearer(ApiKey key) {
        return "Bearer " + key.reveal();
    }

    private static String nextCursor(PaginationMeta meta) {
        if (meta == null || meta.after() == null || meta.after().isBlank()) {
            return null;
        }
        return meta.after();
    }

    private static IncidentIoException malformed(String operation, String what) {
        return IncidentIoException.of(Kind.MALFORMED, operation + ": malformed answer from incident.io: " + what);
    }

    /** A read for a waiting caller: its retries must fit in the read budget; a spent key budget fails it at once. */
    private <T> Uni<T> call(ApiKey key, String operation, boolean idempotent, Supplier<Uni<T>> request) {
        return call(key, Priority.INTERACTIVE, operation, idempotent, config.requestTimeout(), config.readBudget(), request);
    }

    /** A write: longer attempts, retried up to the attempt limit. */
    private <T> Uni<T> write(ApiKey key, Priority priority, String operation, boolean idempotent, Supplier<Uni<T>> request) {
        return call(key, priority, operation, idempotent, config.writeTimeout(), null, request);
    }

    /**
     * One logical call: attempts, each within the key's budget ({@link KeyBudgets}) and its timeout,
     * retried as {@link #retryDelay} says, metrics, and emission back on the caller's Vert.x context
     * (Hibernate Reactive sessions are bound to it).
     */
    private <T> Uni<T> call(ApiKey key, Priority priority, String operation, boolean idempotent, Duration timeout,
            Duration budget, Supplier<Uni<T>> request) {
        return call(key, priority, operation, idempotent, timeout, budget, Attributes.empty(), request);
    }

    private <T> Uni<T> call(ApiKey key, Priority priority, String operation, boolean idempotent, Duration timeout,
            Duration budget, Attributes about, Supplier<Uni<T>> request) {
        // Each attempt's span is a child of the caller's span, captured now: retries run later, on timers.
        io.opentelemetry.context.Context parent = io.opentelemetry.context.Context.current();
        Context context = Vertx.currentContext();
        Budget bounds = new Budget(System.nanoTime(), budget, timeout);
        long latestStart = priority == Priority.BACKGROUND ? Long.MAX_VALUE : bounds.latestStartNanos(config.maxRetryWait());
        // The key's budget is taken per attempt, outside the attempt's timeout: waiting for it is not incident.io's slowness.
        // A waiting caller waits for a token only while an attempt could still start and end within its bound.
        Supplier<Uni<T>> budgeted = () -> budgets.run(key, operation, priority, latestStart,
                () -> Uni.createFrom().<T> deferred(request::get)
                        .ifNoItem().after(timeout)
                        .failWith(() -> IncidentIoException.of(Kind.TIMEOUT, "no answer within " + timeout.toMillis() + " ms")));
        Traced traced = new Traced(parent, priority, about);
        return attempt(operation, idempotent, bounds, budgeted, 1, context, traced)
                .plug(CallerContext.resumeOnCaller());
    }

    /** How long each attempt may take, and how long all attempts of one call may take together (null: no bound). */
    private record Budget(long startNanos, Duration total, Duration timeout) {

        /**
         * The last instant ({@link System#nanoTime()}) at which an attempt can start and still end within
         * the total; without a total, {@code orWithin} from now.
         */
        long latestStartNanos(Duration orWithin) {
            if (total == null) {
                return System.nanoTime() + orWithin.toNanos();
            }
            return startNanos + total.minus(timeout).toNanos();
        }

        /** Whether another attempt, after {@code wait}, can still finish within the total. */
        boolean allows(Duration wait) {
            if (total == null) {
                return true;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            return elapsed.plus(wait).plus(timeout).compareTo(total) <= 0;
        }
    }

    /** Where an attempt's span hangs and what it says beyond the operation. */
    private record Traced(io.opentelemetry.context.Context parent, Priority priority, Attributes about) {
    }

    private <T> Uni<T> attempt(String operation, boolean idempotent, Budget budget, Supplier<Uni<T>> request,
            int attempt, Context context, Traced traced) {
        Timer.Sample sample = Timer.start(meters);
        return Uni.createFrom().<T> deferred(() -> {
            var span = CallSpans.start(tracer, traced.parent(), operation, traced.priority(), traced.about(), attempt);
            return Spans.within(span, request, (item, failure) -> CallSpans.end(span, failure));
        })
                .onFailure().transform(IncidentIoClient::classify)
                .onItemOrFailure().invoke((item, failure) -> sample.stop(meters.timer("incidentio.requests",
                        "operation", operation,
                        "outcome", failure == null ? "ok" : ((IncidentIoException) failure).kind().name().toLowerCase())))
                .onFailure().recoverWithUni(failure -> {
                    IncidentIoException e = (IncidentIoException) failure;
                    Duration wait = retryDelay(e, attempt, idempotent);
                    if (wait != null && !budget.allows(wait)) {
                        LOG.debugf("incident.io %s failed (%s); no retry fits in the %d ms budget", operation, e.kind(),
                                budget.total().toMillis());
                        wait = null;
                    }
                    if (wait == null) {
                        return Uni.createFrom().failure(e.withMessagePrefix(operation));
                    }
                    LOG.debugf("incident.io %s failed (%s), attempt %d, retrying in %d ms", operation, e.kind(), attempt,
                            wait.toMillis());
                    return delay(wait, context).chain(() -> attempt(operation, idempotent, budget, request, attempt + 1, context, traced));
                });
    }

    /** How long to wait before the next attempt, or null to give up now. */
    private Duration retryDelay(IncidentIoException e, int attempt, boolean idempotent) {
        if (attempt >= config.maxAttempts()) {
            return null;
        }
        if (e.kind() == Kind.RATE_LIMITED) {
            Duration asked = e.retryAfter().orElse(config.backoff().multipliedBy(1L << (attempt - 1)));
            return asked.compareTo(config.maxRetryWait()) <= 0 ? asked : null;
        }
        if (!idempotent || !e.retryable()) {
            return null;
        }
        return io.oncallapprover.common.Backoff.jittered(config.backoff(), attempt, config.maxRetryWait());
    }

    /** A non-blocking pause on a Vert.x timer (or Mutiny's scheduler off-context). */
    private static Uni<Void> delay(Duration wait, Context context) {
        if (wait.isZero()) {
            return Uni.createFrom().voidItem();
        }
        if (context == null) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        }
        return Uni.createFrom().emitter(emitter -> context.owner().setTimer(Math.max(1, wait.toMillis()),
                id -> context.runOnContext(ignored -> emitter.complete(null))));
    }

    static IncidentIoException classify(Throwable failure) {
        if (failure instanceof IncidentIoException e) {
            return e;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IncidentIoException e) {
                return e;
            }
            if (t instanceof JsonProcessingException) {
                return new IncidentIoException(Kind.MALFORMED, 0, "unreadable answer from incident.io", null, null, null);
            }
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException
                    || t instanceof io.netty.handler.timeout.TimeoutException
                    || t instanceof io.vertx.core.impl.NoStackTraceTimeoutException) {
                return new IncidentIoException(Kind.TIMEOUT, 0, "incident.io timed out", null, null, null);
            }
        }
        return new IncidentIoException(Kind.NETWORK, 0,
                "incident.io could not be reached (" + failure.getClass().getSimpleName() + ")", null, null, null);
    }

}
