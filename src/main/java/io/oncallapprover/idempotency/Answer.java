package io.oncallapprover.idempotency;

import java.net.URI;

import jakarta.ws.rs.core.Response;

/** The success answer of a write: its status, the {@code Location} of what it created (or null), and its body. */
public record Answer(int status, URI location, Object entity) {

    public static Answer of(int status, Object entity) {
        return new Answer(status, null, entity);
    }

    public static Answer created(URI location, Object entity) {
        return new Answer(201, location, entity);
    }

    /** The answer as a write without a key sends it: the body written by the REST layer, as before keys existed. */
    Response toResponse() {
        Response.ResponseBuilder response = Response.status(status).entity(entity);
        if (location != null) {
            response.location(location);
        }
        return response.build();
    }
}
