package io.oncallapprover.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** RFC 9457 problem details, with our stable {@code code}, field errors and extension members. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({ "type", "title", "status", "detail", "code", "instance", "errors" })
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        String code,
        String instance,
        List<FieldError> errors,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
        extensions = extensions == null ? Map.of() : new LinkedHashMap<>(extensions);
    }

    public static Problem of(int status, String code, String title, String detail, String instance,
            List<FieldError> errors, Map<String, Object> extensions) {
        return new Problem("urn:oncall-approver:problem:" + code.toLowerCase().replace('_', '-'), title, status, detail,
                code, instance, errors, extensions);
    }

    /** Extension members appear at the top level of the JSON, as RFC 9457 §3.2 asks. */
    @JsonAnyGetter
    public Map<String, Object> extensionMembers() {
        return extensions;
    }
}
