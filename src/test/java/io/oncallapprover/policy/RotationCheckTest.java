package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.oncallapprover.installation.ScheduleRotations;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.problem.FieldError;

/** Which schedules the rotation check reads, and what it finds missing, without incident.io. */
class RotationCheckTest {

    static final List<String> AUTO_SCHEDULES = List.of("A1", "A2");
    static final Map<String, ScheduleRotations> KNOWN = Map.of(
            "A1", new ScheduleRotations("A1", Map.of("R1", Set.of("L1", "L2"))),
            "A2", new ScheduleRotations("A2", Map.of("R2", Set.of())),
            "E1", new ScheduleRotations("E1", Map.of("R3", Set.of("L3"))),
            "E2", new ScheduleRotations("E2", Map.of("R4", Set.of("L4"))));

    static AccessPolicy policy(boolean disabled, ApprovalStep... steps) {
        return new AccessPolicy(List.of(new Rule("r", disabled, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps))));
    }

    static RotationFilter filter(List<String> rotations, List<String> layers) {
        return new RotationFilter(rotations, layers);
    }

    @Test
    void onlyTheSchedulesOfFilteredStepsAreRead() {
        assertThat(RotationCheck.schedulesToRead(policy(false, new AutoApproval(false),
                new EscalationApproval(List.of("E1"), false, false)), AUTO_SCHEDULES)).isEmpty();
        assertThat(RotationCheck.schedulesToRead(policy(false, new AutoApproval(false, false, filter(List.of("R1"), List.of())),
                new EscalationApproval(List.of("E2"), false, false, filter(List.of("R4"), List.of()))), AUTO_SCHEDULES))
                .containsExactly("A1", "A2", "E2");
    }

    @Test
    void rotationsOfAnyConsideredScheduleAndTheirLayersAreKnown() {
        AccessPolicy policy = policy(true, new AutoApproval(false, false, filter(List.of("R2", "R1"), List.of("L2"))),
                new EscalationApproval(List.of("E1", "E2"), false, false, filter(List.of("R4", "R3"), List.of("L3", "L4"))));
        assertThat(RotationCheck.unknown(policy, AUTO_SCHEDULES, KNOWN)).isEmpty();
    }

    @Test
    void eachUnknownIdIsNamedAtItsPathAndAMissingScheduleHasNoRotations() {
        AccessPolicy policy = policy(false, new AutoApproval(false, false, filter(List.of("R1", "R3"), List.of("L1", "L3"))),
                new EscalationApproval(List.of("E1", "GONE"), false, false, filter(List.of("R1", "R3"), List.of("L1"))));
        assertThat(RotationCheck.unknown(policy, AUTO_SCHEDULES, KNOWN)).containsExactly(
                new FieldError("rules[0].approval[0].rotations[1]", "is not a rotation of the auto-approval schedules"),
                new FieldError("rules[0].approval[0].layers[1]", "is not a layer of the rotations this step names"),
                new FieldError("rules[0].approval[1].rotations[0]", "is not a rotation of the schedules in services"),
                new FieldError("rules[0].approval[1].layers[0]", "is not a layer of the rotations this step names"));
    }
}
