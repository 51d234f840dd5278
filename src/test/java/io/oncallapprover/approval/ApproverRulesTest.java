package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;

/** The approver check by schedule ids: no request, no rule. */
class ApproverRulesTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final Instant START = Instant.parse("2026-03-02T09:00:00Z");
    static final Instant END = Instant.parse("2026-03-02T17:00:00Z");
    static final String KATE = "kate@example.com";

    static OnCallSet set(String scheduleId, String... emails) {
        return new OnCallSet(scheduleId, NOW, java.util.Arrays.stream(emails)
                .map(e -> new OnCallShift(scheduleId, e, "Name", START, END, scheduleId + "/" + e)).toList());
    }

    @Test
    void onCallForOneOfTheSchedulesMayDecide() {
        ApproverDecision d = ApproverRules.decide(" Kate@Example.COM ", List.of("S1", "S2"),
                List.of(set("S1", "bob@example.com"), set("S2", KATE)), NOW);
        assertThat(d.allowed()).isTrue();
        assertThat(d.code()).isEqualTo(CheckCode.ON_CALL);
        assertThat(d.checkedAt()).isEqualTo(NOW);
        assertThat(d.rule()).isNull();
        assertThat(d.evidence()).extracting(Evidence::scheduleId, Evidence::email, Evidence::rule)
                .containsExactly(tuple("S2", KATE, null));
        assertThat(d.explanation()).isEqualTo(KATE + " is on call for schedule S2 until " + END + ", so they may decide.");
    }

    @Test
    void notOnCallMayNotDecide() {
        ApproverDecision d = ApproverRules.decide("KATE@example.com", List.of("S1", "S2"), List.of(set("S1", "bob@example.com")),
                NOW);
        assertThat(d.allowed()).isFalse();
        assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
        assertThat(d.evidence()).isEmpty();
        assertThat(d.explanation()).isEqualTo(KATE + " is not on call now for any of S1, S2.");
    }

    @Test
    void onCallOnlyForAScheduleNotAskedAboutMayNotDecide() {
        ApproverDecision d = ApproverRules.decide(KATE, List.of("S1"), List.of(set("S1"), set("S9", KATE)), NOW);
        assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
    }

    @Test
    void aLookAlikeOnCallIsSomeoneElse() {
        ApproverDecision d = ApproverRules.decide(KATE, List.of("S1"), List.of(set("S1", "\u212Aate@example.com")), NOW);
        assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
    }
}
