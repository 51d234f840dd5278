package io.oncallapprover.problem;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An error meant for the caller, rendered as an RFC 9457 problem with a stable {@code code} (whose
 * title is the catalogue's). The message must never carry secrets: it is shown as the problem's
 * {@code detail}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final ProblemCode code;
    private final List<FieldError> errors;
    private final Duration retryAfter;
    private final Map<String, Object> extensions;

    /** Refuses, here where it is thrown, extension members that would repeat a member of the problem. */
    public ApiException(int status, ProblemCode code, String detail, List<FieldError> errors, Duration retryAfter,
            Map<String, Object> extensions) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfter = retryAfter;
        this.extensions = extensions == null ? Map.of() : Map.copyOf(Problem.requireExtensionMembers(extensions));
    }

    public ApiException(int status, ProblemCode code, String detail) {
        this(status, code, detail, List.of(), null, null);
    }

    public static ApiException invalid(String detail, List<FieldError> errors) {
        return new ApiException(400, ProblemCode.VALIDATION_FAILED, detail, errors, null, null);
    }

    public static ApiException invalid(String field, String message) {
        return invalid("The request is invalid: " + field + " " + message + ".", List.of(new FieldError(field, message)));
    }

    public static ApiException unprocessable(ProblemCode code, String detail, List<FieldError> errors) {
        return new ApiException(422, code, detail, errors, null, null);
    }

    public static ApiException notInstalled(String orgId) {
        return new ApiException(404, ProblemCode.NOT_INSTALLED, "Organization " + orgId + " has no incident.io integration.");
    }

    public int status() {
        return status;
    }

    public ProblemCode code() {
        return code;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
