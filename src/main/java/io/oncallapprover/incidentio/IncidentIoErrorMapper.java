package io.oncallapprover.incidentio;

import java.time.Clock;
import java.time.Duration;

import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.ext.ResponseExceptionMapper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.incidentio.IncidentIoException.Kind;

/** Turns an incident.io error response into a classified {@link IncidentIoException}. */
public class IncidentIoErrorMapper implements ResponseExceptionMapper<IncidentIoException> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public IncidentIoException toThrowable(Response response) {
        int status = response.getStatus();
        Kind kind = switch (status) {
            case 401 -> Kind.UNAUTHORIZED;
            case 403 -> Kind.FORBIDDEN;
            case 404 -> Kind.NOT_FOUND;
            case 429 -> Kind.RATE_LIMITED;
            default -> status >= 500 ? Kind.SERVER_ERROR : Kind.REJECTED;
        };
        Duration retryAfter = RetryAfter.parse(response.getHeaderString("Retry-After"), Clock.systemUTC().instant())
                .orElse(null);
        String requestId = null;
        String detail = null;
        try {
            if (response.hasEntity()) {
                String body = response.readEntity(String.class);
                if (body != null && body.length() < 65_536) {
                    JsonNode node = JSON.readTree(body);
                    requestId = textOrNull(node.get("request_id"));
                    JsonNode firstError = node.path("errors").path(0);
                    detail = textOrNull(firstError.get("message"));
                    String field = textOrNull(firstError.path("source").get("field"));
                    if (detail != null && field != null) {
                        detail = detail + " (field " + field + ")";
                    }
                }
            }
        } catch (Exception unreadableBody) {
            // the status alone classifies the failure; the body is only a better message
        }
        String message = "incident.io answered HTTP " + status + (detail == null ? "" : ": " + detail)
                + (requestId == null ? "" : " (request_id " + requestId + ")");
        return new IncidentIoException(kind, status, message, retryAfter, requestId, null);
    }

    @Override
    public boolean handles(int status, jakarta.ws.rs.core.MultivaluedMap<String, Object> headers) {
        return status >= 400;
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() || !node.isValueNode() ? null : node.asText();
    }
}
