package io.oncallapprover.organization;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.StatementCountingProxy;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The organization snapshot on the hot path: a warm check sends no statement to PostgreSQL (counted
 * on the wire by {@link StatementCountingProxy}); a change written by anyone else reaches the checks
 * within a second (NOTIFY); without the notification connection nothing is kept.
 */
@QuarkusTest
@TestProfile(OrgSnapshotsTest.CountedDatabase.class)
@ConnectWireMock
class OrgSnapshotsTest extends ApiTestBase {

    /** The datasource goes through the statement-counting proxy. */
    public static class CountedDatabase implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StatementCountingProxy.class));
        }

        /** The replica lease is renewed in the background once a second: renewed once here, so only checks are counted. */
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("oncall.replica.heartbeat", "1h", "oncall.replica.lease-ttl", "2h");
        }
    }

    @BeforeEach
    void onCallAndListening() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(NOW.minusSeconds(3600), NOW.plusSeconds(3600), "Ada", "ada@example.com"));
        awaitTrue(snapshots::keeping, "the notification connection is up");
    }

    @Test
    void aWarmCheckSendsNoStatementToTheDatabase() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL")); // warms
        approverCheck("ada@example.com").statusCode(200).body("allowed", equalTo(true));

        long before = StatementCountingProxy.statements();
        for (int i = 0; i < 25; i++) {
            autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
            autoCheck(ORG, "grace@example.com", "deploy").statusCode(200).body("code", equalTo("NOT_ON_CALL"));
            approverCheck("ada@example.com").statusCode(200).body("allowed", equalTo(true));
        }
        assertThat(StatementCountingProxy.statements() - before).as("statements of 75 warm checks").isZero();

        // The proxy does count: reading a request's list of audit events is SQL.
        given().get(base(ORG) + "/audit-events").then().statusCode(200);
        assertThat(StatementCountingProxy.statements() - before).isPositive();
    }

    @Test
    void aWriteThisReplicaDidNotMakeReachesItsChecksWithinASecond() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        // Another replica (or an operator) empties the auto-approval schedules: straight to the database.
        pool.query("update incidentio_integration set auto_approval_schedule_ids = '{}' where org_id = '" + ORG + "'")
                .execute().await().indefinitely();
        long written = System.nanoTime();
        awaitTrue(() -> "NO_SCHEDULES".equals(autoCheckCode()),
                "the check sees the emptied schedules");
        assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThan(Duration.ofSeconds(1));
        assertThat(autoCheckCode()).isNotEqualTo("ON_CALL");

        // And a policy deleted elsewhere: back to default routing at once.
        putPolicy(ORG, """
                {"rules": [{"name": "escalate only", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["%s"]}]}]}""".formatted(PRIMARY)).statusCode(200);
        assertThat(autoCheckCode()).isEqualTo("NO_MATCHING_RULE");
        pool.query("delete from access_policy where org_id = '" + ORG + "'").execute().await().indefinitely();
        awaitTrue(() -> !"NO_MATCHING_RULE".equals(autoCheckCode()), "the check sees default routing");
    }

    @Test
    void withoutTheNotificationConnectionNothingIsKept() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        pool.query("select pg_terminate_backend(pid) from pg_stat_activity"
                + " where datname = current_database() and query ilike 'LISTEN%'").execute().await().indefinitely();
        awaitTrue(() -> !snapshots.keeping(), "the lost connection is noticed");

        // A change nobody hears of is still seen at once: nothing was kept.
        pool.query("update incidentio_integration set auto_approval_schedule_ids = '{}' where org_id = '" + ORG + "'")
                .execute().await().indefinitely();
        assertThat(autoCheckCode()).isNotEqualTo("ON_CALL");

        // It connects again by itself, and warm checks are free again.
        awaitTrue(snapshots::keeping, "the notification connection is back");
        autoCheckCode();
        long before = StatementCountingProxy.statements();
        autoCheckCode();
        assertThat(StatementCountingProxy.statements() - before).isZero();
    }

    private String autoCheckCode() {
        return autoCheck(ORG, "ada@example.com", null).statusCode(200).extract().path("code");
    }

    private io.restassured.response.ValidatableResponse approverCheck(String approver) {
        return given().contentType(ContentType.JSON).body(Map.of("approver", approver, "scheduleIds", List.of(PRIMARY)))
                .post(base(ORG) + "/approval-checks/approver").then();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
