package io.oncallapprover.installation;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.OrgChanged;
import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.installation.IntegrationRequests.WebhookSettingsRequest;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * The organization's incident.io webhook settings. The signing secret is sealed under the master key
 * like the API key (bound to the organization and to this use) and never shown again.
 */
@ApplicationScoped
public class WebhookSettingsService {

    static final String SECRET_SHAPE = "must be the signing secret incident.io shows: whsec_ followed by base64 of 24 to 64 bytes";

    @Inject
    IntegrationService integrations;

    @Inject
    SecretCipher cipher;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    Event<OrgChanged> changed;

    public Uni<WebhookSettingsView> show(String orgId) {
        return integrations.readRequired(orgId).map(WebhookSettingsView::of);
    }

    public Uni<WebhookSettingsView> set(String orgId, WebhookSettingsRequest body, Caller caller) {
        SigningSecret secret = SigningSecret.parse(body.signingSecret().trim()).orElseThrow(() -> ApiException.invalid(
                "The request is invalid: signingSecret " + SECRET_SHAPE + ".", List.of(new FieldError("signingSecret", SECRET_SHAPE))));
        return store(orgId, secret, Boolean.TRUE.equals(body.closeRequestOnIncidentResolved()), caller)
                .invoke(() -> changed.fire(new OrgChanged(orgId)));
    }

    @WithTransaction
    Uni<WebhookSettingsView> store(String orgId, SigningSecret secret, boolean closeOnResolved, Caller caller) {
        return integrations.require(orgId).flatMap(integration -> {
            boolean rotated = integration.webhookSecretCiphertext != null;
            integration.webhookSecretCiphertext = cipher.encrypt(secret.reveal(), IntegrationService.webhookSecretContext(orgId));
            integration.webhookSecretHint = secret.hint();
            integration.closeOnIncidentResolved = closeOnResolved;
            integration.updatedAt = clock.instant();
            return audit.record(orgId, AuditAction.WEBHOOK_SETTINGS_CHANGED, caller, (rotated ? "signing secret replaced" : "signing secret set")
                    + " (…" + secret.hint() + "); close requests on incident resolved: " + closeOnResolved)
                    .replaceWith(WebhookSettingsView.of(integration));
        });
    }

    /** Removes the secret: deliveries are refused from now on. */
    public Uni<WebhookSettingsView> remove(String orgId, Caller caller) {
        return clear(orgId, caller).invoke(() -> changed.fire(new OrgChanged(orgId)));
    }

    @WithTransaction
    Uni<WebhookSettingsView> clear(String orgId, Caller caller) {
        return integrations.require(orgId).flatMap(integration -> {
            integration.webhookSecretCiphertext = null;
            integration.webhookSecretHint = null;
            integration.closeOnIncidentResolved = false;
            integration.updatedAt = clock.instant();
            return audit.record(orgId, AuditAction.WEBHOOK_SETTINGS_CHANGED, caller, "signing secret removed: deliveries are refused")
                    .replaceWith(WebhookSettingsView.of(integration));
        });
    }
}
