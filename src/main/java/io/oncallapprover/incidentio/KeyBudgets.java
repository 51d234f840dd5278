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
 * {@link BudgetConfig}) so we spend it ourselves instead of collecting 429s. When it is spent an
 * interactive call (a caller is waiting) fails at once, {@link Kind#BUDGET_SPENT} with the wait the
 * budget predicts as {@code Retry-After}; background work waits its turn.
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

    /** Operations limited by incident.io's escalation limit as well as by the general one. */
    public static final String CREATE_ESCALATION = "create_escalation";
    public static final String CANCEL_ESCALATION = "cancel_escalation";

    private final Map<String, KeyBudget> budgets = new ConcurrentHashMap<>();

    private final Map<String, KeyBudget> escalationBudgets = new ConcurrentHashMap<>();

    /**
     * Runs {@code call} within the budget of {@code key}; an escalation call takes a token of the
     * escalation budget first, then of the general one, so waiting for the scarcer one holds no slot
     * of the other.
     */
    public <T> Uni<T> run(ApiKey key, String operation, Priority priority, Supplier<Uni<T>> call) {
        if (!config.enabled()) {
            return Uni.createFrom().deferred(call::get);
        }
        boolean interactive = priority == Priority.INTERACTIVE;
        Supplier<Uni<T>> general = () -> budgetOf(key).run(interactive, call, KeyBudgets::delayNanos);
        boolean escalation = CREATE_ESCALATION.equals(operation) || CANCEL_ESCALATION.equals(operation);
        return Uni.createFrom().deferred(() -> escalation
                ? escalationBudgetOf(key).run(interactive, general, KeyBudgets::delayNanos) : general.get())
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
            int replicas = Math.max(1, config.replicas());
            double burst = Math.max(1.0, (double) config.burst() / replicas);
            double perSecond = Math.max(1, config.perMinute() - config.burst()) / 60.0 / replicas;
            return new KeyBudget(burst, perSecond, config.maxConcurrent(), config.maxWaiting(), System::nanoTime);
        });
    }

    private KeyBudget escalationBudgetOf(ApiKey key) {
        return escalationBudgets.computeIfAbsent(KeyCircuitBreaker.idOf(key), id -> {
            int replicas = Math.max(1, config.replicas());
            double burst = Math.max(1.0, (double) config.escalationsBurst() / replicas);
            double perSecond = Math.max(1, config.escalationsPerMinute() - config.escalationsBurst()) / 60.0 / replicas;
            // No bulkhead of its own: the general budget's bounds the calls in flight.
            return new KeyBudget(burst, perSecond, Integer.MAX_VALUE, config.maxWaiting(), System::nanoTime);
        });
    }

    /** Tokens left in the escalation budget of {@code key} now (tests, diagnostics). */
    public double escalationTokens(ApiKey key) {
        KeyBudget budget = escalationBudgets.get(KeyCircuitBreaker.idOf(key));
        return budget == null ? Math.max(1.0, (double) config.escalationsBurst() / Math.max(1, config.replicas()))
                : budget.tokens();
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
        KeyBudget budget = budgets.get(KeyCircuitBreaker.idOf(key));
        return budget == null ? Math.max(1.0, (double) config.burst() / Math.max(1, config.replicas())) : budget.tokens();
    }
}
