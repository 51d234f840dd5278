package io.oncallapprover.installation;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.BudgetConfig;
import io.oncallapprover.incidentio.IncidentIoConfig;
import io.oncallapprover.incidentio.IncidentIoDtos.CatalogType;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateCustomFieldRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomField;
import io.oncallapprover.incidentio.IncidentIoDtos.Identity;
import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.oncall.ScheduleEntriesCache;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.problem.Upstream;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.common.OrgChanged;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.SecretCipher;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Installing, rotating and removing an organization's incident.io integration, and its auto-approval
 * schedules. incident.io is asked everything first; the database is written last, in one
 * transaction, so a failure leaves nothing half-written.
 */
@ApplicationScoped
public class IntegrationService {

    private static final Logger LOG = Logger.getLogger(IntegrationService.class);

    @Inject
    IncidentIoClient client;

    @Inject
    IncidentIoConfig config;

    @Inject
    BudgetConfig budget;

    @Inject
    SecretCipher cipher;

    @Inject
    ScheduleEntriesCache entriesCache;

    @Inject
    io.oncallapprover.oncall.ScheduleListCache listCache;

    @Inject
    Clock clock;

    @Inject
    AuditLog audit;

    @Inject
    Event<OrgChanged> changed;

    /** The installation, or empty. Must run inside a Hibernate Reactive session. */
    @WithSession
    public Uni<Optional<Integration>> find(String orgId) {
        return Integration.<Integration> findById(orgId).map(Optional::ofNullable);
    }

    /** The installation, or a 404 NOT_INSTALLED problem. */
    @WithSession
    public Uni<Integration> require(String orgId) {
        return find(orgId).map(found -> found.orElseThrow(() -> ApiException.notInstalled(orgId)));
    }

    /** {@link #find}, as a read of its own: bounded by the database read deadline. Not for use inside a write. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Optional<Integration>> read(String orgId) {
        return find(orgId);
    }

    /** {@link #require}, as a read of its own: bounded by the database read deadline. Not for use inside a write. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Integration> readRequired(String orgId) {
        return require(orgId);
    }

    /** The decrypted key of an installation; decryption is bound to the organization id. */
    public ApiKey keyOf(Integration integration) {
        return new ApiKey(cipher.decrypt(integration.apiKeyCiphertext, integration.orgId));
    }

    /** The decrypted webhook signing secret of an installation, if one is set; bound to the organization and this use. */
    public Optional<SigningSecret> webhookSecretOf(Integration integration) {
        return Optional.ofNullable(integration.webhookSecretCiphertext)
                .flatMap(sealed -> SigningSecret.parse(cipher.decrypt(sealed, webhookSecretContext(integration.orgId))));
    }

    /** What a webhook secret's encryption is bound to: never the API key's context, so the two cannot be swapped. */
    public static String webhookSecretContext(String orgId) {
        return orgId + "#webhook-signing-secret";
    }

    /** Installs, or rotates the key of an existing installation while keeping its configuration. */
    public Uni<InstallationView> install(String orgId, String rawKey, Caller caller) {
        ApiKey key = new ApiKey(rawKey.trim());
        return client.identity(key)
                .onFailure(IncidentIoException.class).transform(IntegrationService::installFailure)
                .invoke(IntegrationService::requireRoles)
                .flatMap(identity -> ensureCustomField(key)
                        .onFailure(IncidentIoException.class).transform(IntegrationService::installFailure)
                        .flatMap(field -> upsert(orgId, key, identity, field, caller)))
                .invoke(() -> changed.fire(new OrgChanged(orgId)))
                .call(() -> entriesCache.invalidateOrg(orgId))
                .invoke(view -> LOG.infof("incident.io installed for org %s (identity %s, key …%s)", orgId,
                        view.identityName(), view.keyHint().substring(1)));
    }

    private static RuntimeException installFailure(Throwable failure) {
        IncidentIoException e = (IncidentIoException) failure;
        return switch (e.kind()) {
            case UNAUTHORIZED -> ApiException.unprocessable(ProblemCode.INVALID_API_KEY,
                    "incident.io rejected the API key (401).", List.of(new FieldError("apiKey", "is not a valid incident.io API key")));
            case FORBIDDEN -> ApiException.unprocessable(ProblemCode.MISSING_ROLES,
                    "incident.io refused the API key a required action (403): " + e.getMessage(),
                    List.of(new FieldError("apiKey", "lacks a permission incident.io asked for")));
            case REJECTED, NOT_FOUND -> new ApiException(502, ProblemCode.UPSTREAM_REJECTED,
                    e.getMessage(), List.of(), null, null);
            default -> Upstream.unavailable(e);
        };
    }

    private static void requireRoles(Identity identity) {
        List<RequiredRoles.Requirement> missing = RequiredRoles.missing(identity.roles());
        if (missing.isEmpty()) {
            return;
        }
        List<FieldError> errors = missing.stream()
                .map(req -> new FieldError("apiKey", "lacks role " + req.role() + " (" + req.purpose() + ")"))
                .toList();
        throw ApiException.unprocessable(ProblemCode.MISSING_ROLES,
                "The API key is missing role(s): " + String.join(", ", missing.stream().map(RequiredRoles.Requirement::role).toList())
                        + ".",
                errors);
    }

    /**
     * Reuses the organization's custom field of our name when it exists and can hold what incident
     * creation sends (see {@link CustomFieldFit}), and refuses the install (422
     * {@code CUSTOM_FIELD_UNUSABLE}) when it cannot; otherwise creates it, backed by the built-in
     * "Schedule" catalog type when incident.io has one, else as a text field.
     */
    private Uni<CustomField> ensureCustomField(ApiKey key) {
        String name = config.customFieldName();
        return client.customFields(key).flatMap(fields -> {
            List<CustomField> named = fields.stream()
                    .filter(f -> f != null && f.id() != null && name.equalsIgnoreCase(f.name()))
                    .toList();
            if (!named.isEmpty()) {
                return reusable(key, named);
            }
            return client.catalogTypes(key).flatMap(types -> {
                Optional<String> scheduleType = CustomFieldFit.scheduleTypeId(types, config.scheduleCatalogTypeName());
                String description = "On-call schedules whose members may approve the access request this incident pages for.";
                CreateCustomFieldRequest request = scheduleType
                        .map(typeId -> new CreateCustomFieldRequest(name, description, "multi_select", typeId))
                        .orElseGet(() -> new CreateCustomFieldRequest(name, description, "text", null));
                return client.createCustomField(key, request);
            });
        });
    }

    /**
     * The first of the fields of our name that can hold the approver schedules; the catalog types
     * are asked only when a select field's backing has to be checked.
     */
    private Uni<CustomField> reusable(ApiKey key, List<CustomField> named) {
        boolean needTypes = named.stream().noneMatch(CustomFieldFit::isText)
                && named.stream().anyMatch(f -> CustomFieldFit.isSelect(f) && f.catalogTypeId() != null);
        Uni<List<CatalogType>> types = needTypes ? client.catalogTypes(key) : Uni.createFrom().item(List.of());
        return types.map(list -> {
            CustomFieldFit fit = new CustomFieldFit(list, config.scheduleCatalogTypeName());
            return named.stream().filter(f -> fit.problem(f).isEmpty()).findFirst().orElseThrow(() -> {
                CustomField field = named.get(0);
                String problem = fit.problem(field).orElseThrow();
                return ApiException.unprocessable(ProblemCode.CUSTOM_FIELD_UNUSABLE,
                        "incident.io already has a custom field named \"" + field.name() + "\" (" + field.id() + "), and "
                                + problem + ". Only a text field, or a single_select or multi_select field backed by the \""
                                + config.scheduleCatalogTypeName() + "\" catalog type, can hold the approver schedules."
                                + " Rename or delete that field in incident.io, or configure another name"
                                + " (oncall.incidentio.custom-field-name), then install again.",
                        List.of(new FieldError("customField", "\"" + field.name() + "\" " + problem)));
            });
        });
    }

    @WithTransaction
    Uni<InstallationView> upsert(String orgId, ApiKey key, Identity identity, CustomField field, Caller caller) {
        Instant now = clock.instant();
        return find(orgId).flatMap(found -> {
            Integration integration = found.orElseGet(() -> {
                Integration fresh = new Integration();
                fresh.orgId = orgId;
                fresh.installedAt = now;
                fresh.autoApprovalScheduleIds = new String[0];
                return fresh;
            });
            boolean keyChanged = found.isEmpty() || !holdsKey(integration, key);
            if (keyChanged) {
                integration.apiKeyCiphertext = cipher.encrypt(key.reveal(), orgId);
                integration.apiKeyHint = key.hint();
                integration.keyRotatedAt = now;
            }
            integration.identityName = identity.name();
            integration.identityRoles = identity.roles() == null ? new String[0]
                    : identity.roles().stream().filter(r -> r != null).toArray(String[]::new);
            integration.customFieldId = field.id();
            integration.customFieldType = field.fieldType() == null ? "unknown" : field.fieldType();
            integration.updatedAt = now;
            Uni<Integration> saved = found.isEmpty() ? integration.persist() : Uni.createFrom().item(integration);
            AuditAction action = found.isEmpty() ? AuditAction.INTEGRATION_INSTALLED
                    : keyChanged ? AuditAction.INTEGRATION_KEY_ROTATED : AuditAction.INTEGRATION_REFRESHED;
            String detail = "key …" + integration.apiKeyHint + ", identity " + identity.name() + ", custom field "
                    + field.id();
            return saved.call(() -> audit.record(orgId, action, caller, detail)).map(InstallationView::of);
        });
    }

    private boolean holdsKey(Integration integration, ApiKey key) {
        try {
            return keyOf(integration).equals(key);
        } catch (SecretCipher.SecretCipherException unreadable) {
            return false; // sealed under a master key we no longer have: the new key replaces it
        }
    }


    /** Removes the installation; false when there was none. */
    public Uni<Boolean> uninstall(String orgId, Caller caller) {
        return delete(orgId, caller)
                .invoke(() -> changed.fire(new OrgChanged(orgId)))
                .call(() -> entriesCache.invalidateOrg(orgId))
                .invoke(deleted -> {
                    if (deleted) {
                        LOG.infof("incident.io uninstalled for org %s", orgId);
                    }
                });
    }

    @WithTransaction
    Uni<Boolean> delete(String orgId, Caller caller) {
        return Integration.deleteById(orgId).call(deleted -> deleted
                ? audit.record(orgId, AuditAction.INTEGRATION_UNINSTALLED, caller, null)
                : Uni.createFrom().voidItem());
    }

    /** Every schedule of the organization's incident.io account, as listed now (one call per 10,000 schedules). */
    public Uni<List<Schedule>> schedules(String orgId) {
        return require(orgId)
                .flatMap(integration -> listCache.fresh(orgId, keyOf(integration)))
                .map(listing -> List.copyOf(listing.schedules().values()));
    }

    /**
     * Replaces the auto-approval schedules after checking, in one concurrent round, that incident.io
     * knows every id. An empty list is allowed: it makes auto-approval deny everything.
     */
    public Uni<Integration> setAutoApprovalSchedules(String orgId, List<String> requested, Caller caller, String ifMatch) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(requested));
        if (ids.size() > io.oncallapprover.common.Ids.MAX_SCHEDULES) {
            throw ApiException.unprocessable(ProblemCode.TOO_MANY_SCHEDULES,
                    "At most " + io.oncallapprover.common.Ids.MAX_SCHEDULES + " auto-approval schedules can be chosen; "
                            + ids.size() + " were given.",
                    List.of(new FieldError("scheduleIds", "holds " + ids.size() + " schedules; the limit is "
                            + io.oncallapprover.common.Ids.MAX_SCHEDULES)));
        }
        return require(orgId)
                .flatMap(integration -> unknownSchedules(orgId, keyOf(integration), ids))
                .invoke(unknown -> {
                    if (!unknown.isEmpty()) {
                        List<FieldError> errors = new ArrayList<>();
                        for (int i = 0; i < requested.size(); i++) {
                            if (unknown.contains(requested.get(i))) {
                                errors.add(new FieldError("scheduleIds[" + i + "]",
                                        "is not a schedule of this incident.io account"));
                            }
                        }
                        throw ApiException.unprocessable(ProblemCode.UNKNOWN_SCHEDULES,
                                "incident.io does not know schedule(s): " + String.join(", ", unknown) + ".", errors);
                    }
                })
                .flatMap(ignored -> storeAutoApproval(orgId, ids, caller, ifMatch))
                .onFailure(io.oncallapprover.problem.Preconditions::lostRace)
                .transform(e -> io.oncallapprover.problem.Preconditions.raced(e, ifMatch, "auto-approval schedules"))
                .invoke(() -> changed.fire(new OrgChanged(orgId)))
                .invoke(view -> LOG.infof("auto-approval schedules of org %s set to %s", orgId, ids));
    }

    @WithTransaction
    Uni<Integration> storeAutoApproval(String orgId, List<String> ids, Caller caller, String ifMatch) {
        return require(orgId).flatMap(integration -> {
            io.oncallapprover.problem.Preconditions.require(ifMatch, integration.autoApprovalTag(), "auto-approval schedules");
            String before = String.join(",", integration.autoApprovalScheduleIds);
            integration.autoApprovalScheduleIds = ids.toArray(String[]::new);
            integration.updatedAt = clock.instant();
            return audit.record(orgId, AuditAction.AUTO_APPROVAL_SCHEDULES_CHANGED, caller,
                    "[" + before + "] -> [" + String.join(",", ids) + "]")
                    .replaceWith(integration);
        });
    }

    /**
     * The ids incident.io does not know, in their order, from the account's schedule list as incident.io
     * holds it now (one call per 10,000 schedules, whatever the number of ids). A failure fails the whole
     * answer (a 503).
     */
    public Uni<List<String>> unknownSchedules(String orgId, ApiKey key, List<String> ids) {
        return knownSchedules(orgId, key, ids).map(known -> ids.stream().filter(id -> !known.containsKey(id)).toList());
    }

    /** The escalation paths among {@code ids} that incident.io does not know, each asked once, a few at a time. */
    public Uni<List<String>> unknownEscalationPaths(ApiKey key, List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Multi.createFrom().iterable(new LinkedHashSet<>(ids))
                .onItem().transformToUni(id -> client.escalationPath(key, id).map(found -> found.isPresent() ? "" : id))
                .merge(Math.max(1, budget.fanOut()))
                .filter(id -> !id.isEmpty())
                .collect().asList();
    }

    /**
     * The schedules among {@code ids} that incident.io knows, by id, with the rotations and layers of
     * their configuration: from the account's schedule list fetched after this call began.
     */
    public Uni<Map<String, ScheduleRotations>> knownSchedules(String orgId, ApiKey key, List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return listCache.fresh(orgId, key).map(listing -> {
            Map<String, ScheduleRotations> known = new java.util.LinkedHashMap<>();
            for (String id : new LinkedHashSet<>(ids)) {
                Schedule schedule = listing.schedules().get(id);
                if (schedule != null) {
                    known.put(id, ScheduleRotations.of(id, schedule));
                }
            }
            return known;
        });
    }
}
