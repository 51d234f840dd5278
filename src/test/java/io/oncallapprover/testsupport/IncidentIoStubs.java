package io.oncallapprover.testsupport;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;

/**
 * Realistic incident.io answers for WireMock: bodies shaped like the real API (extra fields we do
 * not read, pagination metadata, optional users and emails), so parsing is tested as it will run.
 */
public final class IncidentIoStubs {

    public static final List<String> ALL_ROLES = List.of("viewer", "incident_creator", "incident_editor",
            "manage_settings", "catalog_viewer", "schedules_reader", "a_role_added_later");

    public static final String SCHEDULE_TYPE_ID = "01CATTYPESCHEDULE000000001";
    public static final String SERVICE_TYPE_ID = "01CATTYPESERVICE0000000001";

    private final WireMock wiremock;

    /**
     * The account as the schedule list ({@code GET /v2/schedules}) shows it: each known schedule's body
     * without its shifts, and each schedule's current shifts (from {@link #entries} at its instant).
     * Answered at a low priority, so a test's own list stub wins.
     */
    private final java.util.Map<String, String> listed = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, List<String>> currentShifts = new java.util.HashMap<>();
    private com.github.tomakehurst.wiremock.stubbing.StubMapping listStub;

    public IncidentIoStubs(WireMock wiremock) {
        this.wiremock = wiremock;
    }

    /** Re-registers the schedule list from the model. */
    private void relist() {
        if (listStub != null) {
            wiremock.removeStubMapping(listStub);
        }
        String schedules = listed.entrySet().stream()
                .map(e -> e.getValue().replace("\"current_shifts\": []",
                        "\"current_shifts\": [" + String.join(",", currentShifts.getOrDefault(e.getKey(), List.of())) + "]"))
                .collect(Collectors.joining(","));
        listStub = wiremock.register(get(urlPathEqualTo("/v2/schedules")).atPriority(10).willReturn(okJson(
                "{\"schedules\": [" + schedules + "], \"pagination_meta\": {\"page_size\": 10000, \"total_record_count\": "
                        + listed.size() + "}}")));
    }

    /** Lists a schedule (as {@link #schedule} shapes it) in the account's schedule list. */
    public void listSchedule(String id, String scheduleJson) {
        listed.put(id, scheduleJson);
        relist();
    }

    /** Takes a schedule out of the account's schedule list. */
    public void unlistSchedule(String id) {
        listed.remove(id);
        relist();
    }

    /** The schedule's current shifts in the list: those of {@code finalEntries} that cover {@code now}. */
    public void currentShifts(String scheduleId, Instant now, List<String> finalEntries) {
        currentShifts.put(scheduleId, finalEntries.stream().filter(e -> covers(e, now)).toList());
        if (listed.containsKey(scheduleId)) {
            relist();
        }
    }

    private static final java.util.regex.Pattern BOUNDS = java.util.regex.Pattern
            .compile("\"start_at\": \"([^\"]+)\", \"end_at\": \"([^\"]+)\"");

    private static boolean covers(String entryJson, Instant now) {
        java.util.regex.Matcher m = BOUNDS.matcher(entryJson);
        if (!m.find()) {
            return false;
        }
        return !Instant.parse(m.group(1)).isAfter(now) && Instant.parse(m.group(2)).isAfter(now);
    }

    public static String q(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    public void identity(List<String> roles) {
        wiremock.register(get(urlEqualTo("/v1/identity")).willReturn(okJson("""
                {"identity": {"name": "access-approvals", "dashboard_url": "https://app.incident.io/acme",
                  "roles": [%s], "team_roles": ["incident_creator", "manage_settings"],
                  "teams": [{"id": "01TEAM0000000000000000001", "name": "Platform"}]}}
                """.formatted(roles.stream().map(IncidentIoStubs::q).collect(Collectors.joining(","))))));
    }

    public void customFields(String... fieldsJson) {
        wiremock.register(get(urlEqualTo("/v2/custom_fields")).willReturn(okJson(
                "{\"custom_fields\": [" + String.join(",", fieldsJson) + "]}")));
    }

    public static String customField(String id, String name, String type) {
        return """
                {"id": %s, "name": %s, "description": "", "field_type": %s, "options": [],
                 "required": "never", "show_before_creation": false}""".formatted(q(id), q(name), q(type));
    }

    /** A field backed by a catalog type, as incident.io lists it (no options of its own). */
    public static String catalogField(String id, String name, String type, String catalogTypeId) {
        return """
                {"id": %s, "name": %s, "description": "", "field_type": %s, "catalog_type_id": %s,
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}""".formatted(q(id), q(name), q(type),
                q(catalogTypeId));
    }

    public void catalogTypes(boolean withSchedule) {
        String schedule = withSchedule
                ? ",{\"id\": \"" + SCHEDULE_TYPE_ID + "\", \"name\": \"Schedule\", \"type_name\": \"IncidentIOSchedule\", \"categories\": [\"on-call\"], \"is_editable\": false}"
                : "";
        wiremock.register(get(urlEqualTo("/v3/catalog_types")).willReturn(okJson("""
                {"catalog_types": [{"id": "01CATTYPESERVICE0000000001", "name": "Service", "type_name": "Custom[\\"Service\\"]",
                  "categories": ["service"], "is_editable": true, "schema": {"version": 1, "attributes": []}}%s]}
                """.formatted(schedule))));
    }

    public void createCustomField(String id) {
        wiremock.register(post(urlEqualTo("/v2/custom_fields")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"custom_field\": " + customField(id, "On-call approver schedules", "multi_select") + "}")));
    }

    /** Everything a successful install needs: all roles, no field yet, a Schedule catalog type. */
    public void installable() {
        identity(ALL_ROLES);
        customFields(customField("01CFOTHER00000000000000001", "Affected teams", "multi_select"));
        catalogTypes(true);
        createCustomField("01CFAPPROVERS0000000000001");
    }

    /** A schedule as incident.io shows it; {@code rotations} are its configuration's (see {@link #rotation}). */
    public static String schedule(String id, String name, String timezone, String... rotations) {
        return """
                {"id": %s, "name": %s, "timezone": %s, "team_ids": [], "annotations": {},
                 "permalink": "https://app.incident.io/acme/on-call/schedules/%s",
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
                 "config": {"rotations": [%s]}, "current_shifts": [], "next_shifts": []}""".formatted(q(id), q(name), q(timezone), id,
                String.join(",", rotations));
    }

    /** A rotation of a schedule's configuration, with its layers (named after their ids), as incident.io lists it. */
    public static String rotation(String id, String... layerIds) {
        return """
                {"id": %s, "name": "Rotation %s", "handover_start_at": "2026-01-01T09:00:00Z",
                 "handovers": [{"interval": 1, "interval_type": "weekly"}], "working_intervals": [],
                 "users": [{"id": "01USERADA", "name": "Ada", "email": "ada@example.com", "role": "viewer"}],
                 "layers": [%s]}""".formatted(q(id), id, Arrays.stream(layerIds)
                .map(layer -> "{\"id\": " + q(layer) + ", \"name\": \"Layer " + layer + "\"}").collect(Collectors.joining(",")));
    }

    /** A schedule of the account's list whose configuration has these {@link #rotation}s. */
    public void scheduleWithRotations(String id, String... rotations) {
        listSchedule(id, schedule(id, "Schedule " + id, "UTC", rotations));
    }

    /** The schedules exist: they are in the account's list. */
    public void scheduleExists(String... ids) {
        for (String id : ids) {
            listed.put(id, schedule(id, "Schedule " + id, "UTC"));
        }
        relist();
    }

    /** The schedule does not exist: it is not in the account's list. */
    public void scheduleMissing(String id) {
        listed.remove(id);
        relist();
    }

    /** An entry of {@code schedule_entries.final}; {@code email} null leaves it out, {@code name} null leaves out the user. */
    public static String entry(Instant start, Instant end, String name, String email) {
        return entry(start, end, name, email, "01ROT000000000000000000001", "01LAYER00000000000000000001");
    }

    /** As {@link #entry(Instant, Instant, String, String)}, of this rotation and layer (null: JSON null, as for an override). */
    public static String entry(Instant start, Instant end, String name, String email, String rotationId, String layerId) {
        String user = name == null ? "" : ", \"user\": {\"id\": \"01USER" + Math.abs(name.hashCode()) + "\", \"name\": " + q(name)
                + (email == null ? "" : ", \"email\": " + q(email)) + ", \"role\": \"viewer\"}";
        return "{\"start_at\": " + q(start.toString()) + ", \"end_at\": " + q(end.toString())
                + ", \"fingerprint\": \"fp-" + Math.abs((start + "" + end + name).hashCode()) + "\""
                + ", \"rotation_id\": " + q(rotationId) + ", \"layer_id\": " + q(layerId) + user + "}";
    }

    public static String entriesBody(List<String> scheduled, List<String> overrides, List<String> fin, String nextCursor) {
        String meta = nextCursor == null ? ""
                : ", \"pagination_meta\": {\"after\": " + q(nextCursor) + ", \"after_url\": \"https://api.incident.io/v2/schedule_entries?entry_window_start=" + nextCursor + "\"}";
        return "{\"schedule_entries\": {\"scheduled\": [" + String.join(",", scheduled) + "], \"overrides\": ["
                + String.join(",", overrides) + "], \"final\": [" + String.join(",", fin) + "]}" + meta + "}";
    }

    /** The request the service makes for a schedule at {@code now}: window {@code [now, now + 1 minute]}. */
    public static MappingBuilder entriesRequest(String scheduleId, String windowStart, Instant now) {
        return get(urlPathEqualTo("/v2/schedule_entries"))
                .withQueryParam("schedule_id", equalTo(scheduleId))
                .withQueryParam("entry_window_start", equalTo(windowStart))
                .withQueryParam("entry_window_end", equalTo(now.plusSeconds(60).toString()));
    }

    /** One page of final entries (also mirrored in {@code scheduled}), optionally pointing to a next page. */
    public void entriesPage(String scheduleId, Instant now, String windowStart, String nextCursor, String... finalEntries) {
        List<String> fin = Arrays.asList(finalEntries);
        if (windowStart.equals(now.toString())) { // the first page: what the schedule list shows as current
            currentShifts(scheduleId, now, fin);
        }
        wiremock.register(entriesRequest(scheduleId, windowStart, now)
                .willReturn(okJson(entriesBody(fin, List.of(), fin, nextCursor))));
    }

    /** A single page of final entries for {@code now}. */
    public void entries(String scheduleId, Instant now, String... finalEntries) {
        entriesPage(scheduleId, now, now.toString(), null, finalEntries);
    }

    /** {@code GET /v1/severities}: one severity per id, shaped like the real list. */
    public void severities(String... ids) {
        List<String> items = new java.util.ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            items.add("""
                    {"id": %s, "name": "Sev %d", "description": "Issues with **impact %d**.", "rank": %d,
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}""".formatted(q(ids[i]), i + 1, i + 1,
                    i + 1));
        }
        wiremock.register(get(urlEqualTo("/v1/severities")).willReturn(okJson("{\"severities\": [" + String.join(",", items) + "]}")));
    }

    /** {@code GET /v1/incident_types}: one type per id, the first the default. */
    public void incidentTypes(String... ids) {
        List<String> items = new java.util.ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            items.add("""
                    {"id": %s, "name": "Type %d", "description": "", "is_default": %s, "private_incidents_only": false,
                     "create_in_triage": "optional", "owning_team_ids": [],
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}""".formatted(q(ids[i]), i + 1, i == 0));
        }
        wiremock.register(get(urlEqualTo("/v1/incident_types")).willReturn(okJson("{\"incident_types\": [" + String.join(",", items) + "]}")));
    }

    public static String incident(String id, String reference) {
        return """
                {"incident": {"id": %s, "reference": %s, "name": "Access request", "visibility": "private", "mode": "standard",
                  "permalink": "https://app.incident.io/acme/incidents/%s",
                  "incident_status": {"id": "01STATUS00000000000000001", "name": "Triage", "category": "triage", "rank": 1},
                  "creator": {"api_key": {"id": "01KEY", "name": "access-approvals"}},
                  "custom_field_entries": [], "incident_role_assignments": [], "slack_channel_id": "C0FAKE", "slack_team_id": "T0FAKE",
                  "created_at": "2026-03-04T12:00:00Z", "updated_at": "2026-03-04T12:00:00Z"}}""".formatted(q(id), q(reference),
                reference.replace("INC-", ""));
    }

    public void incidentCreated(String id, String reference) {
        wiremock.register(post(urlEqualTo("/v2/incidents")).willReturn(okJson(incident(id, reference))));
    }

    /** An escalation as incident.io answers one ({@code {"escalation": {...}}}), with this id and status. */
    public static String escalation(String id, String status) {
        return """
                {"escalation": {"id": %s, "title": "Access request", "status": %s, "events": [],
                 "related_alerts": [], "related_incidents": [], "priority": {"name": "P2"}, "creator": {},
                 "created_at": "2026-03-04T12:00:00Z", "updated_at": "2026-03-04T12:00:00Z"}}""".formatted(q(id), q(status));
    }

    /** {@code POST /v2/escalations} answers 201 with escalation {@code id}, whatever is asked. */
    public void escalationCreated(String id) {
        wiremock.register(post(urlEqualTo("/v2/escalations")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(escalation(id, "triggered"))));
    }

    /** {@code GET /v2/escalations/{id}}: the escalation, in this status. */
    public void escalationShown(String id, String status) {
        wiremock.register(get(urlEqualTo("/v2/escalations/" + id)).willReturn(okJson(escalation(id, status))));
    }

    /** Cancelling escalation {@code id} answers 200 with no body, as incident.io does. */
    public void escalationCancellable(String id) {
        wiremock.register(post(urlEqualTo("/v2/escalations/" + id + "/actions/cancel")).willReturn(aResponse().withStatus(200)));
    }

    /** {@code GET /v2/escalation_paths/{id}}: known. */
    public void escalationPathExists(String... ids) {
        for (String id : ids) {
            wiremock.register(get(urlEqualTo("/v2/escalation_paths/" + id)).willReturn(okJson(
                    "{\"escalation_path\": {\"id\": " + q(id) + ", \"name\": \"Path " + id + "\", \"path\": [], \"current_responders\": []}}")));
        }
    }

    /** {@code GET /v2/escalation_paths/{id}}: 404. */
    public void escalationPathMissing(String id) {
        wiremock.register(get(urlEqualTo("/v2/escalation_paths/" + id)).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"not_found\", \"status\": 404, \"request_id\": \"req-404\", \"errors\": [{\"code\": \"not_found\", \"message\": \"Not found\"}]}")));
    }

    /** The incident.io user id {@link #entry} gives the user called {@code name}. */
    public static String userId(String name) {
        return "01USER" + Math.abs(name.hashCode());
    }

    public void incidentEdited(String id) {
        wiremock.register(post(urlEqualTo("/v2/incidents/" + id + "/actions/edit")).willReturn(okJson(incident(id, "INC-7"))));
    }

    public WireMock wiremock() {
        return wiremock;
    }
}
