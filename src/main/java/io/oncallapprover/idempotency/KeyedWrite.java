package io.oncallapprover.idempotency;

import java.util.function.Function;

import io.oncallapprover.problem.ApiException;
import io.smallrye.mutiny.Uni;

/**
 * What a write runs under: a claimed {@code Idempotency-Key}, or {@link #none()}. The write calls
 * {@link #settle} last in the transaction that makes its effect, and {@link #refuse} in the
 * transaction of a refusal it records (an audited refused decision), so the answer is kept with the
 * effect, or neither is. Without a key both do nothing.
 */
public final class KeyedWrite<T> {

    private static final KeyedWrite<Object> NONE = new KeyedWrite<>(null, null, null);

    private final Idempotency idempotency;
    private final Claim claim;
    private final Function<T, Uni<Answer>> answer;

    /** The answer kept in a transaction, and the outcome (result or refusal) it was kept for. */
    private record Settled(Object outcome, StoredAnswer answer) {
    }

    private volatile Settled settled;

    /** Without a key: the answer rendered in the write's transaction, and the outcome it was rendered for. */
    private record Rendered(Object outcome, Answer answer) {
    }

    private volatile Rendered rendered;

    KeyedWrite(Idempotency idempotency, Claim claim, Function<T, Uni<Answer>> answer) {
        this.idempotency = idempotency;
        this.claim = claim;
        this.answer = answer;
    }

    /** A write without a key and without an answer to render: it behaves as if keys did not exist. */
    @SuppressWarnings("unchecked")
    public static <T> KeyedWrite<T> none() {
        return (KeyedWrite<T>) NONE;
    }

    /**
     * A write without a key whose answer is still rendered in the transaction of its effect: a database
     * that fails after the commit cannot turn a done write into an error its caller would retry.
     */
    static <T> KeyedWrite<T> unkeyed(Function<T, Uni<Answer>> answer) {
        return new KeyedWrite<>(null, null, answer);
    }

    /**
     * Keeps the answer of {@code result} (rendered in the current session, so it shows the effect) in
     * the current transaction. Fails the transaction with 409 CONFLICT when the key was taken over.
     */
    public Uni<Void> settle(T result) {
        if (claim == null) {
            return answer == null ? Uni.createFrom().voidItem()
                    : answer.apply(result).invoke(rendered -> this.rendered = new Rendered(result, rendered)).replaceWithVoid();
        }
        return answer.apply(result).map(idempotency::render)
                .call(stored -> idempotency.store.completeInTransaction(claim, stored))
                .invoke(stored -> settled = new Settled(result, stored))
                .replaceWithVoid();
    }

    /** Keeps {@code refusal} in the current transaction, when refusals of its status are kept. */
    public Uni<Void> refuse(ApiException refusal) {
        if (claim == null || !IdempotencyRules.keeps(refusal.status())) {
            return Uni.createFrom().voidItem();
        }
        StoredAnswer stored = idempotency.render(refusal, claim.path());
        return idempotency.store.completeInTransaction(claim, stored).invoke(() -> settled = new Settled(refusal, stored));
    }

    /**
     * The answer kept for exactly this outcome (the same object), else null. The write ended with the
     * object its transaction kept, so that transaction committed: a write that recovers from a failed
     * transaction ends with another object, and its answer is then kept on its own.
     */
    StoredAnswer settledFor(Object outcome) {
        Settled kept = settled;
        return kept != null && kept.outcome() == outcome ? kept.answer() : null;
    }

    Uni<Answer> answer(T result) {
        return answer.apply(result);
    }

    /**
     * Without a key: the answer rendered in the transaction that ended with {@code result} (the same
     * object, so that transaction committed), else one rendered now.
     */
    Uni<Answer> answerAfter(T result) {
        Rendered kept = rendered;
        return kept != null && kept.outcome() == result ? Uni.createFrom().item(kept.answer()) : answer.apply(result);
    }
}
