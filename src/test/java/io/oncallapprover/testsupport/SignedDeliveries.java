package io.oncallapprover.testsupport;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.restassured.response.ValidatableResponse;

/**
 * incident.io webhook deliveries built in the test from a secret, signed the Standard Webhooks way
 * with the JDK's HMAC directly (not through the production verifier), and posted without a JWT.
 */
public final class SignedDeliveries {

    /** A signing secret in incident.io's form: whsec_ and the base64 of 32 bytes. */
    public static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    public static final String OTHER_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII));

    private SignedDeliveries() {
    }

    public static String path(String org) {
        return "/api/v1/orgs/" + org + "/webhooks/incidentio";
    }

    public static String sign(String secret, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            byte[] sig = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts {@code body} signed with {@code secret} at {@code at}, as incident.io would. */
    public static ValidatableResponse deliver(String org, String secret, String id, Instant at, String body) {
        return post(org, id, Long.toString(at.getEpochSecond()), sign(secret, id, at.getEpochSecond(), body), body);
    }

    /** Posts with the given headers as they are (null leaves one out). */
    public static ValidatableResponse post(String org, String id, String timestamp, String signature, String body) {
        // The common request specification carries a bearer token; incident.io sends none.
        var common = io.restassured.RestAssured.requestSpecification;
        io.restassured.RestAssured.requestSpecification = null;
        try {
            var request = given().contentType("application/json").body(body);
            if (id != null) {
                request = request.header("webhook-id", id);
            }
            if (timestamp != null) {
                request = request.header("webhook-timestamp", timestamp);
            }
            if (signature != null) {
                request = request.header("webhook-signature", signature);
            }
            return request.when().post(path(org)).then();
        } finally {
            io.restassured.RestAssured.requestSpecification = common;
        }
    }

    public static String shiftChange(String scheduleId, List<String> currentEmails, List<String> previousEmails) {
        return """
                {"event_type": "schedule.shift_change_v1", "schedule.shift_change_v1": {
                  "schedule": {"id": "%s", "name": "Primary", "timezone": "Europe/London", "team_ids": [],
                               "created_at": "2021-08-17T13:28:57.801578Z", "updated_at": "2021-08-17T13:28:57.801578Z"},
                  "current_users": [%s], "previous_users": [%s]}}""".formatted(scheduleId, users(currentEmails), users(previousEmails));
    }

    public static String scheduleUpdated(String scheduleId) {
        return """
                {"event_type": "schedule.updated_v1", "schedule.updated_v1": {"id": "%s", "name": "Primary",
                  "timezone": "Europe/London", "team_ids": [], "created_at": "2021-08-17T13:28:57.801578Z",
                  "updated_at": "2021-08-17T13:28:57.801578Z"}}""".formatted(scheduleId);
    }

    public static String incidentStatusUpdated(String incidentId, String category) {
        return """
                {"event_type": "public_incident.incident_status_updated_v2", "public_incident.incident_status_updated_v2": {
                  "incident": {"id": "%s", "name": "Access request", "reference": "INC-7", "visibility": "public",
                    "incident_status": {"id": "01STATUS0000000000000000099", "name": "Closed", "category": "%s", "rank": 4}},
                  "new_status": {"id": "01STATUS0000000000000000099", "name": "Closed", "category": "%s", "rank": 4},
                  "previous_status": {"id": "01STATUS00000000000000001", "name": "Triage", "category": "triage", "rank": 1}}}"""
                .formatted(incidentId, category, category);
    }

    /** A public escalation's status change, as incident.io sends it. */
    public static String escalationStatusUpdated(String escalationId, String previous, String status) {
        return """
                {"event_type": "public_escalation.escalation_status_updated_v1", "public_escalation.escalation_status_updated_v1": {
                  "escalation": {"id": "%s", "title": "Access request", "status": "%s", "events": [], "related_alerts": [],
                    "related_incidents": [], "priority": {"name": "P2"}, "creator": {},
                    "created_at": "2026-03-04T12:00:00Z", "updated_at": "2026-03-04T12:00:00Z"},
                  "previous_status": "%s", "new_status": "%s",
                  "actor": {"user": {"id": "01USERGRACE", "name": "Grace", "email": "grace@example.com", "role": "viewer"}}}}"""
                .formatted(escalationId, status, previous, status);
    }

    /** A private escalation's status change: its id only. */
    public static String privateEscalationUpdated(String escalationId) {
        return """
                {"event_type": "private_escalation.escalation_status_updated_v1", "private_escalation.escalation_status_updated_v1": {"id": "%s"}}"""
                .formatted(escalationId);
    }

    public static String privateIncidentUpdated(String incidentId) {
        return """
                {"event_type": "private_incident.incident_updated_v2", "private_incident.incident_updated_v2": {"id": "%s"}}"""
                .formatted(incidentId);
    }

    private static String users(List<String> emails) {
        return emails.stream().map(e -> """
                {"id": "01USER%d", "name": "%s", "email": "%s", "role": "viewer"}""".formatted(Math.abs(e.hashCode()), e, e))
                .collect(Collectors.joining(","));
    }
}
