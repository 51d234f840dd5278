package io.oncallapprover.problem;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An error meant for the caller, rendered as an RFC 9457 problem with a stable {@code code}. The
 * message must never carry secrets: it is shown as the problem's {@code detail}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final List<FieldError> errors;
    private final Duration retryAfter;
    private final Map<String, Object> extensions;

    public ApiException(int status, String code, String title, String detail, List<FieldError> errors,
            Duration retryAfter, Map<String, Object> extensions) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfter = retryAfter;
        this.extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    public ApiException(int status, String code, String title, String detail) {
        this(status, code, title, detail, List.of(), null, null);
    }

    public static ApiException invalid(String detail, List<FieldError> errors) {
        return new ApiException(400, ProblemCodes.VALIDATION_FAILED, "Invalid request", detail, errors, null, null);
    }

    public static ApiException invalid(String field, String message) {
        return invalid("The request is invalid: " + field + " " + message + ".", List.of(new FieldError(field, message)));
    }

    public static ApiException unprocessable(String code, String title, String detail, List<FieldError> errors) {
        return new ApiException(422, code, title, detail, errors, null, null);
    }

    public static ApiException notInstalled(String orgId) {
        return new ApiException(404, ProblemCodes.NOT_INSTALLED, "incident.io is not installed",
                "Organization " + orgId + " has no incident.io integration.");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
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
