package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;

class EvidenceTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final OnCallShift GRACE = new OnCallShift("SECONDARY", "grace@example.com", "Grace", NOW.minusSeconds(3600),
            NOW.plusSeconds(3600), "fp-grace", "rot", "layer");
    private static final OnCallShift GRACE_LATER_LAYER = new OnCallShift("SECONDARY", "grace@example.com", "Grace",
            NOW.minusSeconds(60), NOW.plusSeconds(7200), "fp-grace-2", "rot", "layer-2");

    @Test
    void aScheduleThatArrivesAsTwoSetsGivesEachShiftOnce() {
        // Chosen for auto-approval and named by an escalation step: the schedule's set is fetched for both.
        OnCallSet set = new OnCallSet("SECONDARY", NOW, List.of(GRACE, GRACE_LATER_LAYER));
        List<Evidence> evidence = Evidence.shiftsOf("Grace@Example.com", List.of("SECONDARY"), List.of(set, set));
        assertThat(evidence).containsExactly(Evidence.of(GRACE), Evidence.of(GRACE_LATER_LAYER));
    }

    @Test
    void twoShiftsOfOnePersonInOneScheduleStayTwo() {
        OnCallSet set = new OnCallSet("SECONDARY", NOW, List.of(GRACE, GRACE_LATER_LAYER));
        assertThat(Evidence.shiftsOf("grace@example.com", List.of("SECONDARY"), List.of(set))).hasSize(2);
    }

    @Test
    void anEntryListedTwiceIsOneShiftOfTheSet() {
        OnCallSet set = new OnCallSet("SECONDARY", NOW, List.of(GRACE, GRACE, GRACE_LATER_LAYER));
        assertThat(set.shifts()).containsExactly(GRACE, GRACE_LATER_LAYER);
    }

    @Test
    void onlyTheNamedSchedulesCount() {
        OnCallSet other = new OnCallSet("PRIMARY", NOW, List.of(new OnCallShift("PRIMARY", "grace@example.com", "Grace",
                NOW.minusSeconds(10), NOW.plusSeconds(10), "fp-p")));
        assertThat(Evidence.shiftsOf("grace@example.com", List.of("SECONDARY"), List.of(other))).isEmpty();
    }

    @Test
    void theSameShiftIsTheSameWhateverTheRuleAndStepItCountedFor() {
        Evidence base = Evidence.of(GRACE);
        assertThat(base.forStep("prod", 1).sameShift(base.forStep("other", 0))).isTrue();
        assertThat(base.sameShift(Evidence.of(GRACE_LATER_LAYER))).isFalse();
        List<Evidence> others = List.of(
                new Evidence("PRIMARY", base.email(), base.shiftStart(), base.shiftEnd(), base.fingerprint(), base.rotationId(), base.layerId(), null, null),
                new Evidence(base.scheduleId(), "ada@example.com", base.shiftStart(), base.shiftEnd(), base.fingerprint(), base.rotationId(), base.layerId(), null, null),
                new Evidence(base.scheduleId(), base.email(), NOW, base.shiftEnd(), base.fingerprint(), base.rotationId(), base.layerId(), null, null),
                new Evidence(base.scheduleId(), base.email(), base.shiftStart(), NOW, base.fingerprint(), base.rotationId(), base.layerId(), null, null),
                new Evidence(base.scheduleId(), base.email(), base.shiftStart(), base.shiftEnd(), "fp-other", base.rotationId(), base.layerId(), null, null),
                new Evidence(base.scheduleId(), base.email(), base.shiftStart(), base.shiftEnd(), base.fingerprint(), "rot-2", base.layerId(), null, null),
                new Evidence(base.scheduleId(), base.email(), base.shiftStart(), base.shiftEnd(), base.fingerprint(), base.rotationId(), "layer-9", null, null));
        for (Evidence other : others) {
            assertThat(base.sameShift(other)).as(other.toString()).isFalse();
            assertThat(other.sameShift(base)).as(other.toString()).isFalse();
        }
    }
}
