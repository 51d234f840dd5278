package io.oncallapprover.policy;

import java.util.List;

import io.oncallapprover.policy.AccessPolicy.RotationFilter;

/**
 * A schedule whose on-call people a page reaches, and the rotations (and layers) of it that count, as
 * an escalation step's filter says. Stored with a request's escalation (jsonb), so it stays plain data.
 */
public record PagedSchedule(String scheduleId, List<String> rotations, List<String> layers) {

    public PagedSchedule {
        rotations = rotations == null ? List.of() : List.copyOf(rotations);
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    public static PagedSchedule of(String scheduleId, RotationFilter filter) {
        return new PagedSchedule(scheduleId, filter.rotations(), filter.layers());
    }

    /** The step's filter this came from (no rotations: {@link RotationFilter#NONE}, which it equals). */
    public RotationFilter filter() {
        return new RotationFilter(rotations, layers);
    }
}
