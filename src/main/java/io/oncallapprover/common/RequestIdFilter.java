package io.oncallapprover.common;

import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is well-formed, else a new
 * one. It is echoed in the response and put in the logging context (MDC {@code requestId}), so
 * every log line of the request carries it — in the JSON logs of production too.
 */
@Singleton
public class RequestIdFilter {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    void register(@Observes Filters filters) {
        filters.register(this::tag, 2000);
    }

    void tag(RoutingContext ctx) {
        String given = ctx.request().getHeader(HEADER);
        String id = given != null && WELL_FORMED.matcher(given).matches() ? given : UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        RequestDeadline.markArrival();
        ctx.response().putHeader(HEADER, id);
        ctx.next();
    }
}
