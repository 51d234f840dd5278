package io.oncallapprover.escalation;

import io.oncallapprover.installation.IncidentSettings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.escalation.IncidentComposer.Escalation;
import io.oncallapprover.escalation.IncidentComposer.ScheduleField;

/**
 * The exact create bodies, for every custom field type the incident.io spec lists
 * ({@code single_select}, {@code multi_select}, {@code text}, {@code link}, {@code numeric}) and one
 * it may add later: the schedules always go in the form the field takes, or not at all.
 */
class IncidentComposerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String REQUEST = "0b6f4a2e-5c1d-4e7a-9f3b-2d8c6e1a7b90";
    static final String A = "01SCHEDA000000000000000001";
    static final String B = "01SCHEDB000000000000000002";
    static final String FIELD = "01CFAPPROVERS0000000000001";
    static final IncidentSettings STANDARD = new IncidentSettings(null, null, "standard");

    static Escalation escalation(List<String> schedules) {
        return new Escalation(REQUEST, "bob@example.com", "role", "postgres", "prod-db", "Fix the stuck migration",
                "https://acme.slack.com/archives/C0123/p456", schedules, List.of("production databases"));
    }

    /** The body every test shares, with {@code more} (JSON members, or empty) added. */
    static JsonNode body(String mode, String more) throws Exception {
        return JSON.readTree("""
                {"idempotency_key": "oncall-approver:access-request:%s",
                 "visibility": "private",
                 "mode": "%s",
                 "name": "Access request: bob@example.com → postgres/prod-db",
                 "summary": "bob@example.com requests role access to postgres/prod-db.\\nReason, as the requester wrote it:\\n> Fix the stuck migration\\nApproval conversation: https://acme.slack.com/archives/C0123/p456\\nWho may approve: whoever is on call now for %s, %s (rules: production databases).\\nAccess request %s."
                 %s}""".formatted(REQUEST, mode, A, B, REQUEST, more));
    }

    static JsonNode sent(ScheduleField field, IncidentSettings settings) {
        return JSON.valueToTree(IncidentComposer.create(escalation(List.of(A, B)), field, settings));
    }

    @Test
    void aMultiSelectFieldGetsEverySchedulesCatalogEntry() throws Exception {
        assertThat(sent(new ScheduleField(FIELD, "multi_select"), STANDARD)).isEqualTo(body("standard", """
                , "custom_field_entries": [{"custom_field_id": "%s",
                     "values": [{"value_catalog_entry_id": "%s"}, {"value_catalog_entry_id": "%s"}]}]""".formatted(FIELD, A, B)));
    }

    @Test
    void aSingleSelectFieldGetsOnlyTheFirstSchedule() throws Exception {
        assertThat(sent(new ScheduleField(FIELD, "single_select"), STANDARD)).isEqualTo(body("standard", """
                , "custom_field_entries": [{"custom_field_id": "%s", "values": [{"value_catalog_entry_id": "%s"}]}]""".formatted(FIELD, A)));
    }

    @Test
    void aTextFieldGetsTheSchedulesAsOneText() throws Exception {
        assertThat(sent(new ScheduleField(FIELD, "text"), STANDARD)).isEqualTo(body("standard", """
                , "custom_field_entries": [{"custom_field_id": "%s", "values": [{"value_text": "%s, %s"}]}]""".formatted(FIELD, A, B)));
    }

    /** Install refuses these (InstallationTest); an installation from before that check still gets a body incident.io takes. */
    @ParameterizedTest
    @ValueSource(strings = { "link", "numeric", "a_future_type", "" })
    void aFieldThatCannotHoldSchedulesIsLeftOut(String type) throws Exception {
        assertThat(sent(new ScheduleField(FIELD, type), STANDARD)).isEqualTo(body("standard", ""));
    }

    @Test
    void withoutAFieldOrSchedulesThereIsNoEntry() throws Exception {
        assertThat(sent(null, STANDARD)).isEqualTo(body("standard", ""));
        assertThat(sent(new ScheduleField(null, "multi_select"), STANDARD)).isEqualTo(body("standard", ""));
        JsonNode noSchedules = JSON.valueToTree(IncidentComposer.create(escalation(List.of()), new ScheduleField(FIELD, "text"), STANDARD));
        assertThat(noSchedules.has("custom_field_entries")).isFalse();
    }

    @Test
    void theOrganizationsSeverityTypeAndModeAreSent() throws Exception {
        assertThat(sent(new ScheduleField(FIELD, "text"), new IncidentSettings("01SEV0000000000000000000001", "01TYPE000000000000000000001", "test")))
                .isEqualTo(body("test", """
                        , "severity_id": "01SEV0000000000000000000001", "incident_type_id": "01TYPE000000000000000000001",
                          "custom_field_entries": [{"custom_field_id": "%s", "values": [{"value_text": "%s, %s"}]}]""".formatted(FIELD, A, B)));
    }
}
