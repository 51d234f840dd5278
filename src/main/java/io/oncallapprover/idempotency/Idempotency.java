package io.oncallapprover.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.Problem;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.problem.ProblemMappers;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * {@code Idempotency-Key} (IETF httpapi draft) on a write: without the header the write runs as
 * ever; with it, the key is claimed for the organization first, and a repeat of the same request
 * gets the first answer again ({@code Idempotent-Replayed: true}) without running the write; the
 * key on another request is 422 IDEMPOTENCY_KEY_REUSED; a repeat while the first still runs waits
 * for its answer ({@code oncall.idempotency.wait}), then 409 CONFLICT with {@code Retry-After}.
 * The rules are {@link IdempotencyRules}'; what is guaranteed is in docs/idempotency.md.
 */
@ApplicationScoped
public class Idempotency {

    private static final Logger LOG = Logger.getLogger(Idempotency.class);

    public static final String HEADER = IdempotencyKey.HEADER;
    public static final String REPLAYED = StoredAnswer.REPLAYED;

    /** The OpenAPI description of the request header. */
    public static final String KEY_DOC = "Makes the write safe to retry (IETF httpapi Idempotency-Key): a repeat with the"
            + " same key and the same request within oncall.idempotency.retention (24 h) gets the first answer again"
            + " (Idempotent-Replayed: true) and"
            + " changes nothing; the key on another request is 422 IDEMPOTENCY_KEY_REUSED; a repeat while the first"
            + " runs waits for it, briefly, else 409 CONFLICT with Retry-After. Keys are per organization.";

    /** The OpenAPI description of the response header. */
    public static final String REPLAYED_DOC = "true when this is the kept answer of an earlier request with the same"
            + " Idempotency-Key; the write did not run again";

    private static final Duration FIRST_PAUSE = Duration.ofMillis(20);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(200);

    @Inject
    IdempotencyStore store;

    @Inject
    IdempotencyConfig config;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry meters;

    /**
     * A write request: its organization (the scope of keys), the header as sent (null: none), and
     * what makes it the same request as another: method, path and parsed body (null: none).
     */
    public record KeyedRequest(String orgId, String header, String method, String path, Object body) {
    }

    /** The claim of an attempt that runs the write, or the answer of the first request to replay. */
    private record Claimed(Claim claim, StoredAnswer replay) {
    }

    /**
     * Runs {@code write} under the request's key, if any, and answers with {@code answer} of its
     * result. The write must call {@link KeyedWrite#settle} in the transaction of its effect.
     */
    public <T> Uni<Response> run(KeyedRequest request, Function<KeyedWrite<T>, Uni<T>> write,
            Function<T, Uni<Answer>> answer) {
        Optional<IdempotencyKey> key = IdempotencyKey.of(request.header());
        if (key.isEmpty()) {
            KeyedWrite<T> unkeyed = KeyedWrite.unkeyed(answer);
            return write.apply(unkeyed).flatMap(unkeyed::answerAfter).map(Answer::toResponse);
        }
        String fingerprint = Fingerprint.of(request.method(), request.path(),
                request.body() == null ? null : json.valueToTree(request.body()));
        long waitUntil = System.nanoTime() + config.repeatWait().toNanos();
        return claim(request, key.get().value(), fingerprint, waitUntil, FIRST_PAUSE).flatMap(claimed -> {
            if (claimed.replay() != null) {
                count("replayed");
                return Uni.createFrom().item(claimed.replay().toResponse(true));
            }
            return runClaimed(new KeyedWrite<>(this, claimed.claim(), answer), claimed.claim(), write);
        });
    }

    /** Takes the key, or finds the answer to replay; waits while the same request runs elsewhere. */
    private Uni<Claimed> claim(KeyedRequest request, String key, String fingerprint, long waitUntil, Duration pause) {
        Claim claim = new Claim(request.orgId(), key, UUID.randomUUID().toString(), request.path());
        Instant now = clock.instant();
        return store.insert(claim, fingerprint, now).flatMap(inserted -> inserted ? owned(claim, "first")
                : store.read(claim.orgId(), key).flatMap(found -> {
                    if (found == null) { // given back or pruned since the insert met it
                        return again(request, key, fingerprint, waitUntil, pause);
                    }
                    return switch (IdempotencyRules.decide(found.seen(), fingerprint, now, config.retention())) {
                    case RUN -> store.takeOver(claim, found, fingerprint, now).flatMap(taken -> taken
                            ? owned(claim, found.seen().state() == IdempotencyRules.State.DONE ? "forgotten" : "taken_over")
                            : again(request, key, fingerprint, waitUntil, pause));
                    case REPLAY -> Uni.createFrom().item(new Claimed(null, found.answer()));
                    case REUSED -> {
                        count("reused");
                        throw ApiException.unprocessable(ProblemCode.IDEMPOTENCY_KEY_REUSED, "This " + HEADER
                                + " was used for another request (other body, method or path) within "
                                + config.retention().toHours() + " h; send a new key.",
                                List.of(new FieldError(HEADER, "was used for another request")));
                    }
                    case WAIT -> again(request, key, fingerprint, waitUntil, pause);
                    };
                }));
    }

    /** Claims again after {@code pause}, or answers 409 CONFLICT once the wait is over. */
    private Uni<Claimed> again(KeyedRequest request, String key, String fingerprint, long waitUntil, Duration pause) {
        if (System.nanoTime() + pause.toNanos() > waitUntil) {
            count("in_progress");
            return Uni.createFrom().failure(new ApiException(409, ProblemCode.CONFLICT, "A request with this " + HEADER
                    + " is still being processed; retry after it to get its answer.",
                    List.of(new FieldError(HEADER, "is in use by a request still running")), Duration.ofSeconds(1), null));
        }
        Duration next = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
        return pause(pause).chain(() -> claim(request, key, fingerprint, waitUntil, next));
    }

    private Uni<Claimed> owned(Claim claim, String how) {
        count(how);
        if (!"first".equals(how)) {
            LOG.infof("idempotency key of org %s %s: the write runs", claim.orgId(), how.replace('_', ' '));
        }
        return Uni.createFrom().item(new Claimed(claim, null));
    }

    /** A pause that resumes on the caller's Vert.x context (the write after it opens Hibernate sessions there). */
    private Uni<Void> pause(Duration pause) {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        return Uni.createFrom().emitter(emitter -> vertx.setTimer(Math.max(1, pause.toMillis()),
                id -> context.runOnContext(ignored -> emitter.complete(null))));
    }

    private <T> Uni<Response> runClaimed(KeyedWrite<T> keyed, Claim claim, Function<KeyedWrite<T>, Uni<T>> write) {
        return Uni.createFrom().deferred(() -> write.apply(keyed)).onItemOrFailure().transformToUni((result, failure) -> {
            if (failure == null) {
                return answered(keyed, claim, result);
            }
            return failed(keyed, claim, failure);
        });
    }

    private <T> Uni<Response> answered(KeyedWrite<T> keyed, Claim claim, T result) {
        StoredAnswer settled = keyed.settledFor(result);
        if (settled != null) {
            return Uni.createFrom().item(settled.toResponse(false));
        }
        // No transaction of its own kept the answer (the write changed nothing, e.g. it lost a race): keep it now.
        return keyed.answer(result).map(this::render).flatMap(stored -> keep(claim, stored));
    }

    private Uni<Response> failed(KeyedWrite<?> keyed, Claim claim, Throwable failure) {
        if (failure instanceof ApiException refusal) {
            StoredAnswer settled = keyed.settledFor(refusal);
            if (settled != null) {
                return Uni.createFrom().item(settled.toResponse(false));
            }
            if (IdempotencyRules.keeps(refusal.status())) { // a refusal without an effect: kept on its own
                return keep(claim, render(refusal, claim.path()));
            }
        }
        // Not kept (5xx, 409, 429...): the key is given back and a retry runs the write again.
        return release(claim).onItem().transformToUni(ignored -> Uni.createFrom().failure(failure));
    }

    /** Keeps an answer whose effect, if any, is committed; the caller gets it even if it could not be kept. */
    private Uni<Response> keep(Claim claim, StoredAnswer stored) {
        return store.complete(claim, stored).replaceWith(stored.toResponse(false))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("an idempotency key of org %s could not be kept: %s", claim.orgId(), failure.getMessage());
                    return release(claim).replaceWith(stored.toResponse(false));
                });
    }

    /** Gives the key back; if even that fails (database away), its lease lapses. */
    private Uni<Void> release(Claim claim) {
        return store.release(claim).onFailure().recoverWithItem(failure -> {
            LOG.debugf("an idempotency key of org %s will be free when its lease lapses: %s", claim.orgId(),
                    failure.getMessage());
            return false;
        }).replaceWithVoid();
    }

    StoredAnswer render(Answer answer) {
        return new StoredAnswer(answer.status(), answer.location() == null ? null : answer.location().toString(),
                write(answer.entity()));
    }

    /** A refusal as {@link ProblemMappers} answers it. */
    StoredAnswer render(ApiException refusal, String path) {
        Problem problem = (Problem) ProblemMappers.toResponse(refusal, path).getEntity();
        return new StoredAnswer(refusal.status(), null, write(problem));
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an answer that cannot be written as JSON", e);
        }
    }

    private void count(String outcome) {
        meters.counter("idempotency.requests", "outcome", outcome).increment();
    }
}
