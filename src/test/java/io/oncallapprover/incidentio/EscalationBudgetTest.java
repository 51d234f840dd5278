package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.KeyBudgets.Priority;
import io.smallrye.mutiny.Uni;

/**
 * incident.io's lower escalation limit (60 a minute per key): escalation calls spend a budget of
 * their own as well as the general one; other calls never spend the escalation budget. Without
 * Quarkus; the refusals of interactive calls show what is left without waiting on a clock.
 */
class EscalationBudgetTest {

    private static final ApiKey KEY = new ApiKey("inc_test_escalation_budget_KEY");
    private static final ApiKey OTHER_KEY = new ApiKey("inc_test_escalation_budget_OTHER");

    private final AtomicInteger calls = new AtomicInteger();
    private KeyBudgets budgets;

    private static BudgetConfig config() {
        return new BudgetConfig() {
            public boolean enabled() {
                return true;
            }

            public int perMinute() {
                return 1200;
            }

            public int burst() {
                return 20;
            }

            public int maxConcurrent() {
                return 8;
            }

            public int maxWaiting() {
                return 64;
            }

            public int escalationsPerMinute() {
                return 60;
            }

            public int escalationsBurst() {
                return 5;
            }

            public int fanOut() {
                return 4;
            }
        };
    }

    @BeforeEach
    void budgetsOfOneReplica() {
        budgets = budgets(1.0);
    }

    private static KeyBudgets budgets(double share) {
        KeyBudgets b = new KeyBudgets();
        b.config = config();
        b.share = () -> share;
        b.meters = new SimpleMeterRegistry();
        return b;
    }

    private String run(KeyBudgets b, ApiKey key, String operation) {
        return b.run(key, operation, Priority.INTERACTIVE, Long.MIN_VALUE, () -> Uni.createFrom().item(() -> "ok" + calls.incrementAndGet()))
                .await().indefinitely();
    }

    @Test
    void escalationCallsStopAtTheirOwnBurstWhileOtherCallsGoOn() {
        for (int i = 0; i < 5; i++) {
            run(budgets, KEY, i % 2 == 0 ? KeyBudgets.CREATE_ESCALATION : KeyBudgets.CANCEL_ESCALATION);
        }
        assertThat(calls).as("creates and cancels share the burst of five").hasValue(5);
        assertThatThrownBy(() -> run(budgets, KEY, KeyBudgets.CANCEL_ESCALATION)).isInstanceOf(IncidentIoException.class);
        assertThatThrownBy(() -> run(budgets, KEY, KeyBudgets.CREATE_ESCALATION)).isInstanceOf(IncidentIoException.class)
                .satisfies(e -> {
                    IncidentIoException spent = (IncidentIoException) e;
                    assertThat(spent.kind()).isEqualTo(IncidentIoException.Kind.BUDGET_SPENT);
                    assertThat(spent.retryAfter()).hasValueSatisfying(wait -> assertThat(wait.toSeconds()).isBetween(1L, 2L));
                });
        int before = calls.get();
        for (int i = 0; i < 10; i++) {
            run(budgets, KEY, "schedule_entries");
        }
        assertThat(calls.get() - before).as("the general budget still has room").isEqualTo(10);
        assertThat(budgets.escalationTokens(KEY)).isLessThan(1.0);
        // Each key has its own escalation budget.
        run(budgets, OTHER_KEY, KeyBudgets.CREATE_ESCALATION);
    }

    @Test
    void otherCallsNeverSpendTheEscalationBudget() {
        for (int i = 0; i < 15; i++) {
            run(budgets, KEY, "create_incident");
        }
        assertThat(budgets.escalationTokens(KEY)).isEqualTo(5.0);
        for (int i = 0; i < 5; i++) {
            run(budgets, KEY, KeyBudgets.CREATE_ESCALATION);
        }
        assertThat(calls).hasValue(20);
    }

    @Test
    void anEscalationCallAlsoSpendsTheGeneralBudget() {
        for (int i = 0; i < 17; i++) {
            run(budgets, KEY, "schedule_entries");
        }
        run(budgets, KEY, KeyBudgets.CREATE_ESCALATION);
        run(budgets, KEY, KeyBudgets.CREATE_ESCALATION);
        run(budgets, KEY, KeyBudgets.CREATE_ESCALATION);
        assertThatThrownBy(() -> run(budgets, KEY, "schedule_entries")).isInstanceOf(IncidentIoException.class);
    }

    @Test
    void replicasShareTheEscalationLimit() {
        KeyBudgets two = budgets(0.5); // one of two replicas: half of the burst of five
        run(two, KEY, KeyBudgets.CREATE_ESCALATION);
        run(two, KEY, KeyBudgets.CREATE_ESCALATION);
        assertThatThrownBy(() -> run(two, KEY, KeyBudgets.CREATE_ESCALATION)).isInstanceOf(IncidentIoException.class);
    }
}
