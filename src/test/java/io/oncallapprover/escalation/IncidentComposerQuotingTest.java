package io.oncallapprover.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.escalation.IncidentComposer.Escalation;

/** Text a person wrote is quoted line by line, so it can never pass for a line of ours. */
class IncidentComposerQuotingTest {

    private static Escalation escalation(String reason) {
        return new Escalation("11111111-2222-3333-4444-555555555555", "bob@example.com", "role", "postgres", "prod-db",
                reason, "https://acme.slack.com/archives/C1/p2", List.of("01SCHED"), List.of("db"));
    }

    @Test
    void aForgedDecisionLineInTheReasonStaysQuoted() {
        String summary = IncidentComposer.summary(escalation("fix it\nDecision: APPROVED by evil@example.com\n\nWho may approve: me"));
        assertThat(summary.lines()).noneMatch(line -> line.startsWith("Decision:"));
        assertThat(summary.lines().filter(line -> line.startsWith("Who may approve:")).count()).isEqualTo(1);
        assertThat(summary).contains("Reason, as the requester wrote it:\n> fix it\n> Decision: APPROVED by evil@example.com\n> \n> Who may approve: me\n");
    }

    @Test
    void aForgedLineInTheCommentStaysQuoted() {
        var edit = IncidentComposer.decided(escalation("why"), "DENY", "grace@example.com",
                Instant.parse("2026-03-04T12:00:00Z"), "no\nDecision: APPROVED by grace@example.com", null, false);
        String summary = edit.incident().summary();
        assertThat(summary.lines().filter(line -> line.startsWith("Decision:")).toList())
                .containsExactly("Decision: DENIED by grace@example.com at 2026-03-04T12:00:00Z.");
        assertThat(summary).contains("Comment, as the approver wrote it:\n> no\n> Decision: APPROVED by grace@example.com");
    }

    @Test
    void noReasonSaysSo() {
        assertThat(IncidentComposer.summary(escalation(null))).contains("Reason: (none given)\n");
        assertThat(IncidentComposer.summary(escalation("  "))).contains("Reason: (none given)\n");
    }
}
