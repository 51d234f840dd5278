package io.oncallapprover.problem;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import io.oncallapprover.incidentio.IncidentIoException;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.persistence.OptimisticLockException;
import org.hibernate.StaleObjectStateException;

/**
 * Every error leaves as {@code application/problem+json}. Unexpected failures are logged here and
 * answered with a generic 500 that reveals nothing of the cause.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** Name under which resource methods declare their request body, left out of field paths. */
    public static final String BODY_PARAMETER = "body";

    @ServerExceptionMapper
    public Response apiException(ApiException e, UriInfo uri) {
        return toResponse(e, path(uri));
    }

    /** The problem response of an {@link ApiException}, for filters that answer before a resource runs. */
    public static Response toResponse(ApiException e, String path) {
        Problem problem = Problem.of(e.status(), e.code(), e.getMessage(), path, e.errors(), e.extensions());
        Response.ResponseBuilder response = Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (e.retryAfter() != null) {
            response.header("Retry-After", Math.max(1, (e.retryAfter().toMillis() + 999) / 1000));
        }
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Bearer");
        }
        return response.build();
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class,
            AuthenticationCompletionException.class })
    public Response unauthenticated(RuntimeException e, UriInfo uri) {
        return toResponse(new ApiException(401, ProblemCode.UNAUTHENTICATED, "A valid bearer token is required."),
                path(uri));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return toResponse(new ApiException(403, ProblemCode.FORBIDDEN, "The caller's roles do not allow this."), path(uri));
    }

    /** Optimistic-lock and unique-key races between concurrent writers: the loser retries. */
    @ServerExceptionMapper({ OptimisticLockException.class, StaleObjectStateException.class })
    public Response concurrentChange(RuntimeException e, UriInfo uri) {
        return toResponse(new ApiException(409, ProblemCode.CONFLICT, "The resource was changed concurrently; retry."),
                path(uri));
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, UriInfo uri) {
        List<FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : e.getConstraintViolations()) {
            errors.add(new FieldError(fieldOf(violation.getPropertyPath()), violation.getMessage()));
        }
        errors.sort(Comparator.comparing(FieldError::field).thenComparing(FieldError::message));
        String detail = "The request is invalid: " + String.join("; ",
                errors.stream().map(f -> f.field() + " " + f.message()).toList()) + ".";
        return apiException(ApiException.invalid(detail, errors), uri);
    }

    // Listed one by one: Quarkus REST has built-in mappers for some of these, and the closest type wins.
    @ServerExceptionMapper(value = { JsonProcessingException.class, StreamReadException.class, JsonParseException.class,
            MismatchedInputException.class, InvalidFormatException.class, InvalidTypeIdException.class,
            UnrecognizedPropertyException.class, InvalidNullException.class, ValueInstantiationException.class,
            JsonMappingException.class, StreamConstraintsException.class }, priority = 1)
    public Response unreadableJson(JsonProcessingException e, UriInfo uri) {
        String field = e instanceof JsonMappingException mapping ? jsonPath(mapping.getPath()) : "";
        String message;
        if (e instanceof UnrecognizedPropertyException) {
            message = "is not a known field";
        } else if (e instanceof io.oncallapprover.common.SafeText.RefusedTextException refused && !field.isEmpty()) {
            message = refused.getOriginalMessage();
        } else if (field.isEmpty() || e instanceof StreamConstraintsException || e.getCause() instanceof StreamConstraintsException) {
            field = "";
            message = "is not valid JSON, or is nested or sized beyond the limits";
        } else if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null
                && mismatched.getTargetType().isEnum()) {
            message = "must be one of " + String.join(", ", java.util.Arrays.stream(mismatched.getTargetType().getEnumConstants())
                    .map(constant -> ((Enum<?>) constant).name()).toList());
        } else {
            message = "has the wrong type";
        }
        String detail = field.isEmpty() ? "The request body " + message + "."
                : "The request body is invalid: " + field + " " + message + ".";
        List<FieldError> errors = List.of(new FieldError(field.isEmpty() ? BODY_PARAMETER : field, message));
        return apiException(new ApiException(400, ProblemCode.MALFORMED_BODY, detail, errors, null, null), uri);
    }

    @ServerExceptionMapper
    public Response upstream(IncidentIoException e, UriInfo uri) {
        LOG.warnf("incident.io call failed: %s", e.getMessage());
        return apiException(Upstream.unavailable(e), uri);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadableJson(json, uri);
        }
        if (status >= 500) {
            return unexpected(e, uri);
        }
        ProblemCode code = switch (status) {
            case 400 -> ProblemCode.MALFORMED_BODY;
            case 401 -> ProblemCode.UNAUTHENTICATED;
            case 403 -> ProblemCode.FORBIDDEN;
            case 404 -> ProblemCode.NOT_FOUND;
            case 405 -> ProblemCode.METHOD_NOT_ALLOWED;
            case 406 -> ProblemCode.NOT_ACCEPTABLE;
            case 409 -> ProblemCode.CONFLICT;
            case 413 -> ProblemCode.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ProblemCode.REQUEST_REFUSED;
        };
        Response.Status known = Response.Status.fromStatusCode(status);
        String detail = (known == null ? "HTTP " + status : known.getReasonPhrase()) + ".";
        return apiException(new ApiException(status, code, detail), uri);
    }

    /** Retry-After of a database outage: long enough for a restart or fail-over to be noticed. */
    static final java.time.Duration DATABASE_RETRY_AFTER = java.time.Duration.ofSeconds(5);

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        if (io.oncallapprover.common.DatabaseFailures.isOutage(e)) {
            LOG.warnf("database unavailable on %s: %s", path(uri), e.getMessage());
            return apiException(new ApiException(503, ProblemCode.DATABASE_UNAVAILABLE,
                    "The database cannot be reached; nothing was approved. Retry later.", List.of(),
                    DATABASE_RETRY_AFTER, null), uri);
        }
        LOG.errorf(e, "Unexpected failure on %s", path(uri));
        return apiException(new ApiException(500, ProblemCode.INTERNAL_ERROR,
                "The service failed unexpectedly; nothing was approved. Retry later."), uri);
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getPath();
    }

    /** {@code install.body.scheduleIds[2].<list element>} becomes {@code scheduleIds[2]}. */
    static String fieldOf(Path path) {
        StringBuilder field = new StringBuilder();
        for (Path.Node node : path) {
            ElementKind kind = node.getKind();
            if (kind == ElementKind.METHOD || kind == ElementKind.RETURN_VALUE || kind == ElementKind.CROSS_PARAMETER) {
                continue;
            }
            if (node.getIndex() != null) {
                field.append('[').append(node.getIndex()).append(']');
            } else if (node.getKey() != null) {
                field.append('[').append(node.getKey()).append(']');
            }
            if (kind == ElementKind.PARAMETER) {
                if (!BODY_PARAMETER.equals(node.getName())) {
                    field.append(node.getName());
                }
            } else if (kind == ElementKind.PROPERTY || kind == ElementKind.BEAN) {
                if (node.getName() != null) {
                    if (!field.isEmpty()) {
                        field.append('.');
                    }
                    field.append(node.getName());
                }
            }
        }
        return field.isEmpty() ? BODY_PARAMETER : field.toString();
    }

    static String jsonPath(List<JsonMappingException.Reference> references) {
        StringBuilder field = new StringBuilder();
        for (JsonMappingException.Reference ref : references) {
            if (ref.getFieldName() != null) {
                if (!field.isEmpty()) {
                    field.append('.');
                }
                field.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                field.append('[').append(ref.getIndex()).append(']');
            }
        }
        return field.toString();
    }

}
