package io.oncallapprover.incidentio;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoException.Kind;
import io.smallrye.mutiny.Uni;

/**
 * One outgoing budget per incident.io key, taken by every call made with it: checks, cache refreshes,
 * the outbox, installation and policy validation. Sized to incident.io's limit (see
 * {@link BudgetConfig}) times this replica's {@link BudgetShare}, so the replicas together spend it
 * themselves instead of collecting 429s. A call waits for its token when the token comes within its
 * caller's deadline; otherwise it fails at once, {@link Kind#BUDGET_SPENT} with the wait the budget
 * predicts as {@code Retry-After}. Background work waits its turn.
 */
@ApplicationScoped
public class KeyBudgets {

    /** Who waits for a call: a caller (fail fast when the budget is spent) or background work (wait). */
    public enum Priority {
        INTERACTIVE, BACKGROUND
    }

    @Inject
    BudgetConfig config;

    @Inject
    MeterRegistry meters;

    @Inject
    BudgetShare share;

    /** Operations limited by incident.io's escalation limit as well as by the general one. */
    public static final String CREATE_ESCALATION = "create_escalation";
    public static final String CANCEL_ESCALATION = "cancel_escalation";

    private final Map<String, KeyBudget> budgets = new ConcurrentHashMap<>();

    private final Map<String, KeyBudget> escalationBudgets = new ConcurrentHashMap<>();

    /**
     * Runs {@code call} within the budget of {@code key}, waiting for a token only while it comes by
     * {@code latestStartNanos} ({@link System#nanoTime()}; {@link Long#MAX_VALUE}: no bound,
     * {@link Long#MIN_VALUE}: no wait). An escalation call takes a token of the escalation budget first,
     * then of the general one, so waiting for the scarcer one holds no slot of the other.
     */
    public <T> Uni<T> run(ApiKey key, String operation, Priority priority, long latestStartNanos, Supplier<Uni<T>> call) {
        if (!config.enabled()) {
            return Uni.createFrom().deferred(call::get);
        }
        boolean interactive = priority == Priority.INTERACTIVE;
        Supplier<Uni<T>> general = () -> budgetOf(key).run(interactive, latestStartNanos, call, KeyBudgets::delayNanos);
        boolean escalation = CREATE_ESCALATION.equals(operation) || CANCEL_ESCALATION.equals(operation);
        return Uni.createFrom().deferred(() -> escalation
                ? escalationBudgetOf(key).run(interactive, latestStartNanos, general, KeyBudgets::delayNanos) : general.get())
                .onFailure(KeyBudget.Refused.class).transform(f -> {
                    KeyBudget.Refusal refusal = ((KeyBudget.Refused) f).refusal;
                    meters.counter("incidentio.budget.refused", "operation", operation,
                            "reason", refusal.bulkheadFull() ? "bulkhead" : "rate").increment();
                    return new IncidentIoException(Kind.BUDGET_SPENT, 0, refusal.bulkheadFull()
                            ? "too many calls to incident.io in flight for this key; not asked"
                            : "this key's budget of calls to incident.io is spent for now; not asked",
                            retryAfter(refusal.waitNanos()), null, null);
                });
    }

    private KeyBudget budgetOf(ApiKey key) {
        return budgets.computeIfAbsent(KeyCircuitBreaker.idOf(key), id -> {
            registerGauge(id, "general", budgets);
            return new KeyBudget(config.burst(), config.perMinute() / 60.0, share::share, 1.0, config.maxConcurrent(),
                    config.maxWaiting(), System::nanoTime);
        });
    }

    private KeyBudget escalationBudgetOf(ApiKey key) {
        // No bulkhead of its own: the general budget's bounds the calls in flight.
        return escalationBudgets.computeIfAbsent(KeyCircuitBreaker.idOf(key), id -> {
            registerGauge(id, "escalation", escalationBudgets);
            return new KeyBudget(config.escalationsBurst(), config.escalationsPerMinute() / 60.0, share::share, 1.0,
                    Integer.MAX_VALUE, config.maxWaiting(), System::nanoTime);
        });
    }

    /**
     * {@code incidentio_budget_tokens{key, budget}}: the tokens left in a key's bucket on this replica (key: a hash,
     * never the key). Read from memory, through the map, so a budget made again after {@link #reset} is the one read;
     * registered once per key and budget (a second registration would be ignored, with a warning).
     */
    private void registerGauge(String id, String budget, Map<String, KeyBudget> of) {
        if (!gauged.add(budget + "/" + id)) {
            return;
        }
        io.micrometer.core.instrument.Gauge.builder("incidentio.budget.tokens", of, m -> {
            KeyBudget b = m.get(id);
            return b == null ? Double.NaN : b.tokens();
        }).tags("key", id, "budget", budget).description("Tokens left in this replica's bucket of an incident.io key")
                .register(meters);
    }

    private final java.util.Set<String> gauged = ConcurrentHashMap.newKeySet();

    /** Tokens left in the escalation budget of {@code key} now (tests, diagnostics). */
    public double escalationTokens(ApiKey key) {
        return escalationBudgetOf(key).tokens();
    }

    /** Whole seconds, rounded up, at least one: what a Retry-After header can say. */
    static Duration retryAfter(long waitNanos) {
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return Duration.ofSeconds(seconds);
    }

    private static Uni<Void> delayNanos(long nanos) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofNanos(Math.max(1_000_000L, nanos)));
    }

    /** Forgets every budget (tests). */
    public void reset() {
        budgets.clear();
        escalationBudgets.clear();
    }

    /** Tokens left in the budget of {@code key} now (tests, diagnostics). */
    public double tokens(ApiKey key) {
        return budgetOf(key).tokens();
    }
}
