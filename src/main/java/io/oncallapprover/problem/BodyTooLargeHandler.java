package io.oncallapprover.problem;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;

/**
 * Bodies over {@code quarkus.http.limits.max-body-size} are refused by the HTTP layer before any
 * resource runs; this turns that refusal into the same problem details as every other error.
 */
@Singleton
public class BodyTooLargeHandler {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() != 413 || ctx.response().headWritten()) {
                ctx.next();
                return;
            }
            Problem problem = Problem.of(413, ProblemCodes.PAYLOAD_TOO_LARGE, "Payload too large",
                    "The request body is larger than this service accepts.", ctx.normalizedPath(),
                    List.of(new FieldError("body", "is too large")), null);
            ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(Json.encode(problem));
        });
    }
}
