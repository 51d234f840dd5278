package io.oncallapprover.escalation;

import io.oncallapprover.installation.IncidentSettings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** An organization's own settings win; each one it did not set falls back to the global {@code oncall.incidents.*}. */
class IncidentSettingsFallbackTest {

    static EscalationConfig global(String severityId, String incidentTypeId, String mode) {
        return new EscalationConfig() {
            public String mode() {
                return mode;
            }

            public Optional<String> severityId() {
                return Optional.ofNullable(severityId);
            }

            public Optional<String> incidentTypeId() {
                return Optional.ofNullable(incidentTypeId);
            }

            public boolean notifyIncidentChannel() {
                return false;
            }

            public int maxAttempts() {
                return 8;
            }

            public Duration backoff() {
                return Duration.ofSeconds(2);
            }

            public Duration maxBackoff() {
                return Duration.ofMinutes(5);
            }

            public Duration lease() {
                return Duration.ofSeconds(60);
            }

            public int batchSize() {
                return 10;
            }

            public Duration shutdownWait() {
                return Duration.ofSeconds(10);
            }
        };
    }

    @Test
    void anOrganizationThatSetNothingGetsTheGlobalSettings() {
        assertThat(IncidentSettings.effective(null, null, null, IncidentDefaultsProducer.from(global("01SEVGLOBAL", "01TYPEGLOBAL", "test"))))
                .isEqualTo(new IncidentSettings("01SEVGLOBAL", "01TYPEGLOBAL", "test"));
        assertThat(IncidentSettings.effective(null, null, null, IncidentDefaultsProducer.from(global(null, null, "standard"))))
                .isEqualTo(new IncidentSettings(null, null, "standard"));
    }

    @Test
    void eachSettingOfTheOrganizationWinsOnItsOwn() {
        IncidentSettings config = IncidentDefaultsProducer.from(global("01SEVGLOBAL", "01TYPEGLOBAL", "standard"));
        assertThat(IncidentSettings.effective("01SEVORG", null, null, config))
                .isEqualTo(new IncidentSettings("01SEVORG", "01TYPEGLOBAL", "standard"));
        assertThat(IncidentSettings.effective(null, "01TYPEORG", "test", config))
                .isEqualTo(new IncidentSettings("01SEVGLOBAL", "01TYPEORG", "test"));
    }
}
