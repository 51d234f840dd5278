package io.oncallapprover.observability;

import java.util.regex.Pattern;

import jakarta.ws.rs.container.ContainerRequestContext;

import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Puts the organization of a request under {@code /api/v1/orgs/{orgId}} in the logging context (MDC
 * {@code orgId}), so every log line of the request names it, next to {@code requestId} and, with tracing on,
 * {@code traceId} and {@code spanId}. Only a well-formed id ({@link io.oncallapprover.common.Ids#ORG_ID}): a path segment is the caller's text, and must not
 * forge log lines.
 */
public class OrgLogContext {

    public static final String MDC_KEY = "orgId";
    private static final Pattern WELL_FORMED = Pattern.compile(io.oncallapprover.common.Ids.ORG_ID);

    @ServerRequestFilter(preMatching = false)
    public void tag(ContainerRequestContext request) {
        String orgId = request.getUriInfo().getPathParameters().getFirst("orgId");
        if (orgId != null && WELL_FORMED.matcher(orgId).matches()) {
            MDC.put(MDC_KEY, orgId);
        } else {
            MDC.remove(MDC_KEY);
        }
    }
}
