package io.oncallapprover.common;

import java.util.function.BiConsumer;
import java.util.function.Supplier;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Runs reactive work inside a span of ours. The span is made current while the work is subscribed, so the
 * spans the work makes (the REST client's HTTP span, SQL spans) are its children; it ends when the work ends,
 * fails or is cancelled (a deadline). With tracing off (no OTLP endpoint) the span is a no-op and costs nothing.
 */
public final class Spans {

    private Spans() {
    }

    /**
     * Subscribes to {@code work} with {@code span} current and ends the span with the outcome; {@code onEnd}
     * may add attributes from the item or the failure first (one of them is null).
     */
    public static <T> Uni<T> within(Span span, Supplier<Uni<T>> work, BiConsumer<T, Throwable> onEnd) {
        Context context = Context.current().with(span);
        return Uni.createFrom().<T> emitter(emitter -> {
            Cancellable running;
            try (Scope ignored = context.makeCurrent()) {
                running = work.get().subscribe().with(emitter::complete, emitter::fail);
            } catch (RuntimeException failure) {
                emitter.fail(failure);
                return;
            }
            emitter.onTermination(running::cancel);
        }).onItemOrFailure().invoke((item, failure) -> {
            try {
                onEnd.accept(item, failure);
            } finally {
                if (failure != null) {
                    span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                }
                span.end();
            }
        }).onCancellation().invoke(() -> {
            span.setAttribute("cancelled", true);
            span.setStatus(StatusCode.ERROR, "cancelled");
            span.end();
        });
    }
}
