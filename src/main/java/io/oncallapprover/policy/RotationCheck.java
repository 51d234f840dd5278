package io.oncallapprover.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.oncallapprover.installation.ScheduleRotations;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.problem.FieldError;

/**
 * Whether the rotation filters of a policy name what incident.io's schedule configurations have:
 * every rotation id of a step must be a rotation of a schedule the step considers (an escalation
 * step: its {@code services}; an auto step: the organization's auto-approval schedules), and every
 * layer id a layer of one of the step's rotations. Pure: the configurations are fetched by the caller.
 */
public final class RotationCheck {

    static final String NOT_A_ROTATION_OF_SERVICES = "is not a rotation of the schedules in services";
    static final String NOT_A_ROTATION_OF_AUTO = "is not a rotation of the auto-approval schedules";
    static final String NOT_A_LAYER = "is not a layer of the rotations this step names";

    private RotationCheck() {
    }

    /** The schedules whose configurations the check needs: those of the filtered steps. */
    public static Set<String> schedulesToRead(AccessPolicy policy, List<String> autoSchedules) {
        Set<String> ids = new LinkedHashSet<>();
        policy.rules().forEach(rule -> rule.approval().stream().filter(step -> step.filter().filters())
                .forEach(step -> ids.addAll(consideredBy(step, autoSchedules))));
        return ids;
    }

    /**
     * Every rotation and layer id that the schedules a step considers do not have, at its path
     * ({@code rules[0].approval[1].rotations[2]}). A schedule missing from {@code known} has none.
     */
    public static List<FieldError> unknown(AccessPolicy policy, List<String> autoSchedules, Map<String, ScheduleRotations> known) {
        List<FieldError> errors = new ArrayList<>();
        for (int r = 0; r < policy.rules().size(); r++) {
            List<ApprovalStep> steps = policy.rules().get(r).approval();
            for (int a = 0; a < steps.size(); a++) {
                ApprovalStep step = steps.get(a);
                RotationFilter filter = step.filter(); // without rotations, nothing to check
                Map<String, Set<String>> layersByRotation = new LinkedHashMap<>();
                for (String scheduleId : consideredBy(step, autoSchedules)) {
                    ScheduleRotations schedule = known.get(scheduleId);
                    if (schedule != null) {
                        schedule.layersByRotation().forEach((rotation, layers) ->
                                layersByRotation.computeIfAbsent(rotation, id -> new LinkedHashSet<>()).addAll(layers));
                    }
                }
                String at = "rules[" + r + "].approval[" + a + "].";
                Set<String> layersOfNamed = new LinkedHashSet<>();
                for (int i = 0; i < filter.rotations().size(); i++) {
                    Set<String> layers = layersByRotation.get(filter.rotations().get(i));
                    if (layers == null) {
                        errors.add(new FieldError(at + "rotations[" + i + "]",
                                step instanceof AutoApproval ? NOT_A_ROTATION_OF_AUTO : NOT_A_ROTATION_OF_SERVICES));
                    } else {
                        layersOfNamed.addAll(layers);
                    }
                }
                for (int i = 0; i < filter.layers().size(); i++) {
                    if (!layersOfNamed.contains(filter.layers().get(i))) {
                        errors.add(new FieldError(at + "layers[" + i + "]", NOT_A_LAYER));
                    }
                }
            }
        }
        return errors;
    }

    private static List<String> consideredBy(ApprovalStep step, List<String> autoSchedules) {
        return step instanceof EscalationApproval escalation ? escalation.services() : autoSchedules;
    }
}
