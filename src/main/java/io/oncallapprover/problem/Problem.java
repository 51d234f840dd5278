package io.oncallapprover.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        ProblemCode code,
        String instance,
        List<FieldError> errors,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * Members of every problem. An extension member of one of these names would be written a second
     * time into the same JSON object (a client keeps one of the two at random), so none may be one.
     */
    public static final Set<String> RESERVED_MEMBERS = Set.of("type", "title", "status", "detail", "instance", "code",
            "errors");

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
        extensions = extensions == null ? Map.of() : new LinkedHashMap<>(requireExtensionMembers(extensions));
    }

    /** The problem of {@code code}: its type and title come from the catalogue. */
    public static Problem of(int status, ProblemCode code, String detail, String instance, List<FieldError> errors,
            Map<String, Object> extensions) {
        return new Problem(code.type(), code.title(), status, detail, code, instance, errors, extensions);
    }

    /** {@code extensions}, refused when one of them would repeat a member of the problem itself. */
    public static Map<String, Object> requireExtensionMembers(Map<String, Object> extensions) {
        for (String name : extensions.keySet()) {
            if (RESERVED_MEMBERS.contains(name)) {
                throw new IllegalArgumentException("extension member \"" + name
                        + "\" would repeat a member of the problem itself; name it apart (e.g. requestStatus)");
            }
        }
        return extensions;
    }

    /** Extension members appear at the top level of the JSON, as RFC 9457 §3.2 asks. */
    @JsonAnyGetter
    public Map<String, Object> extensionMembers() {
        return extensions;
    }
}
