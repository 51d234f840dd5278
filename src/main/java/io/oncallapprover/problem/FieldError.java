package io.oncallapprover.problem;

/** One invalid input: the field's path in the request (e.g. {@code scheduleIds[2]}) and what is wrong. */
public record FieldError(String field, String message) {
}
