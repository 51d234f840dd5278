package io.oncallapprover.idempotency;

import java.net.URI;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.oncallapprover.problem.Problem;

/**
 * An answer as kept for a key, the JSON of its body as it was sent; a problem (4xx) when the status
 * says so. The first request and every repeat get these same bytes.
 */
record StoredAnswer(int status, String location, String body) {

    /** Response header of a repeat answered from the kept answer. */
    static final String REPLAYED = "Idempotent-Replayed";

    Response toResponse(boolean replayed) {
        Response.ResponseBuilder response = Response.status(status).entity(body)
                .type(status >= 400 ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON);
        if (location != null) {
            response.location(URI.create(location));
        }
        if (replayed) {
            response.header(REPLAYED, "true");
        }
        return response.build();
    }
}
