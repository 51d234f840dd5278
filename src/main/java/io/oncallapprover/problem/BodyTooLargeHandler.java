package io.oncallapprover.problem;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a body announced larger than {@code quarkus.http.limits.max-body-size} before it is read,
 * with the same problem details as every other error. (The HTTP layer still cuts off bodies that
 * grow past the limit without announcing their length.)
 */
@Singleton
public class BodyTooLargeHandler {

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    void register(@Observes Filters filters) {
        filters.register(this::refuseOversizedBodies, 1000);
    }

    void refuseOversizedBodies(RoutingContext ctx) {
        String length = ctx.request().getHeader("Content-Length");
        if (length != null && tooLarge(length)) {
            Problem problem = Problem.of(413, ProblemCode.PAYLOAD_TOO_LARGE,
                    "The request body is larger than the " + maxBodySize.asLongValue() + " bytes this service accepts.",
                    ctx.normalizedPath(), List.of(new FieldError("body", "is too large")), null);
            ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("Connection", "close").end(Json.encode(problem));
            return;
        }
        ctx.next();
    }

    private boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBodySize.asLongValue();
        } catch (NumberFormatException malformed) {
            return false; // the HTTP layer rejects malformed lengths itself
        }
    }
}
