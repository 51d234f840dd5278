package io.oncallapprover.installation;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleLayer;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleRotation;

/**
 * The rotations of a schedule's configuration in incident.io, each with the ids of its layers. A
 * rotation listed in several versions (changes scheduled ahead) has the layers of all of them.
 */
public record ScheduleRotations(String scheduleId, Map<String, Set<String>> layersByRotation) {

    public ScheduleRotations {
        layersByRotation = Map.copyOf(layersByRotation);
    }

    public static ScheduleRotations of(String scheduleId, Schedule schedule) {
        Map<String, Set<String>> layers = new LinkedHashMap<>();
        List<ScheduleRotation> rotations = schedule.config() == null || schedule.config().rotations() == null ? List.of()
                : schedule.config().rotations();
        for (ScheduleRotation rotation : rotations) {
            if (rotation == null || rotation.id() == null) {
                continue;
            }
            Set<String> of = layers.computeIfAbsent(rotation.id(), id -> new LinkedHashSet<>());
            (rotation.layers() == null ? List.<ScheduleLayer> of() : rotation.layers()).stream()
                    .filter(Objects::nonNull).map(ScheduleLayer::id).filter(Objects::nonNull).forEach(of::add);
        }
        Map<String, Set<String>> copied = new LinkedHashMap<>();
        layers.forEach((rotation, ids) -> copied.put(rotation, Set.copyOf(ids)));
        return new ScheduleRotations(scheduleId, copied);
    }
}
