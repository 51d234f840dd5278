package io.oncallapprover.installation;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Whether the organization receives incident.io webhooks: {@code endpoint} is the path to register in
 * incident.io; the secret itself is never shown, only its last characters.
 */
@RegisterForReflection
public record WebhookSettingsView(boolean configured, String endpoint, @Schema(nullable = true) String secretHint,
        boolean closeRequestOnIncidentResolved, Instant updatedAt) {

    public static String endpointOf(String orgId) {
        return "/api/v1/orgs/" + orgId + "/webhooks/incidentio";
    }

    static WebhookSettingsView of(Integration i) {
        return new WebhookSettingsView(i.webhookSecretCiphertext != null, endpointOf(i.orgId), i.webhookSecretHint,
                i.closeOnIncidentResolved, i.updatedAt);
    }
}
