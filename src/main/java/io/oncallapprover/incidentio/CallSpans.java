package io.oncallapprover.incidentio;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The span of one attempt at an incident.io call, a child of whoever asked (the API call's server span, an
 * outbox send). The REST client's own HTTP span becomes its child, so a trace shows the operation, the
 * schedule and page asked for, the attempt and how it ended, next to the raw HTTP exchange. Never the key.
 */
final class CallSpans {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("incidentio.operation");
    static final AttributeKey<String> SCHEDULE_ID = AttributeKey.stringKey("incidentio.schedule_id");
    static final AttributeKey<Long> PAGE = AttributeKey.longKey("incidentio.page");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("incidentio.attempt");
    static final AttributeKey<Boolean> RETRY = AttributeKey.booleanKey("incidentio.retry");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("incidentio.outcome");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> PRIORITY = AttributeKey.stringKey("incidentio.priority");

    private CallSpans() {
    }

    /** What a call is about beyond its operation: the schedule and the page, when it reads one. */
    static Attributes about(String scheduleId, int page) {
        var builder = Attributes.builder().put(PAGE, (long) page);
        if (scheduleId != null) {
            builder.put(SCHEDULE_ID, scheduleId);
        }
        return builder.build();
    }

    static Span start(Tracer tracer, Context parent, String operation, KeyBudgets.Priority priority, Attributes detail,
            int attempt) {
        return tracer.spanBuilder("incidentio " + operation).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setAllAttributes(detail)
                .setAttribute(OPERATION, operation)
                .setAttribute(PRIORITY, priority.name().toLowerCase())
                .setAttribute(ATTEMPT, (long) attempt)
                .setAttribute(RETRY, attempt > 1)
                .startSpan();
    }

    /** How the attempt ended: ok, or the kind of failure and the status incident.io answered (when it answered). */
    static void end(Span span, Throwable failure) {
        if (failure == null) {
            span.setAttribute(OUTCOME, "ok");
            return;
        }
        IncidentIoException e = failure instanceof IncidentIoException ie ? ie : IncidentIoClient.classify(failure);
        span.setAttribute(OUTCOME, e.kind().name().toLowerCase());
        if (e.status() > 0) {
            span.setAttribute(STATUS, (long) e.status());
        }
    }
}
