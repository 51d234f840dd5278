package io.oncallapprover.installation;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.oncallapprover.common.Ids;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Request bodies of the integration endpoints, validated before anything else happens. */
public final class IntegrationRequests {

    private IntegrationRequests() {
    }

    @RegisterForReflection
    public record InstallRequest(
            @NotBlank @Size(min = 8, max = 512) @Pattern(regexp = "\\S+", message = "must not contain whitespace") String apiKey) {

        @Override
        public String toString() {
            return "InstallRequest[apiKey=redacted]";
        }
    }

    /** More than {@link Ids#MAX_SCHEDULES} ids is refused by the service with 422 TOO_MANY_SCHEDULES, naming the limit. */
    @RegisterForReflection
    public record AutoApprovalRequest(
            @NotNull List<@NotBlank @Pattern(regexp = Ids.SCHEDULE_ID,
                    message = Ids.SCHEDULE_ID_MESSAGE) String> scheduleIds) {
    }

    /** The settings of the organization's escalation incidents; a null id falls back to the global setting. */
    @RegisterForReflection
    public record IncidentSettingsRequest(
            @Schema(nullable = true) @Pattern(regexp = Ids.INCIDENTIO_ID, message = Ids.INCIDENTIO_ID_MESSAGE) String severityId,
            @Schema(nullable = true) @Pattern(regexp = Ids.INCIDENTIO_ID, message = Ids.INCIDENTIO_ID_MESSAGE) String incidentTypeId,
            @NotNull @Pattern(regexp = IncidentSettings.MODES, message = "must be standard or test") String mode) {
    }

    /** The webhook settings: the signing secret incident.io shows for the endpoint, and what a resolved incident does. */
    @RegisterForReflection
    public record WebhookSettingsRequest(
            @NotBlank @Size(max = 200) String signingSecret,
            @Schema(nullable = true) Boolean closeRequestOnIncidentResolved) {

        @Override
        public String toString() {
            return "WebhookSettingsRequest[signingSecret=redacted, closeRequestOnIncidentResolved="
                    + closeRequestOnIncidentResolved + "]";
        }
    }
}
