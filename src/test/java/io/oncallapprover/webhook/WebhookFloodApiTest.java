package io.oncallapprover.webhook;

import static io.oncallapprover.testsupport.SignedDeliveries.SECRET;
import static io.oncallapprover.testsupport.SignedDeliveries.deliver;
import static io.oncallapprover.testsupport.SignedDeliveries.shiftChange;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.SignedDeliveries;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A flood of webhook deliveries is refused cheaply: forged ones for a made-up organization cost one database read
 * and one WARN line however many come; verified ones past the organization's limit get 429 with Retry-After; and
 * neither blocks the real deliveries of an organization, nor one that installs right after being refused.
 */
@QuarkusTest
@TestProfile(WebhookFloodApiTest.SmallLimit.class)
@ConnectWireMock
class WebhookFloodApiTest extends ApiTestBase {

    /** Five deliveries at once, then one a second; organizations remembered as absent for ten minutes. */
    public static class SmallLimit implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("oncall.webhooks.limit.burst", "5", "oncall.webhooks.limit.per-minute", "60",
                    "oncall.snapshot.absent-ttl", "10m");
        }
    }

    static final String BODY = shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com"));
    /** An organization nobody installed. */
    static final String MADE_UP = "made-up-org";

    @Inject
    MeterRegistry meters;

    @Inject
    DeliveryLimits limits;

    @Inject
    RefusalLog refusalLog;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                    && record.getLoggerName().startsWith("io.oncallapprover.webhook")) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureWarnings() {
        limits.reset();
        refusalLog.reset();
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    /** Database reads of organization snapshots so far (each is one session reading installation and policy). */
    private long snapshotReads() {
        return meters.timer("org.snapshot.loads").count();
    }

    private List<String> warningsAbout(String org) {
        return warnings.stream().map(r -> r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                : r.getMessage()).filter(m -> m.contains("org " + org + " ")).toList();
    }

    private long deliveries() {
        return pool.query("select count(*) from webhook_delivery").execute().await().indefinitely().iterator().next().getLong(0);
    }

    private static io.restassured.response.ValidatableResponse forged(String org, int n) {
        return SignedDeliveries.post(org, "msg_forged_" + n, Long.toString(NOW.getEpochSecond()),
                "v1,bm90IGEgc2lnbmF0dXJlIG9mIHRoaXMgYm9keSBhdCBhbGwhISE=", BODY);
    }

    @Test
    void aForgedFloodForAMadeUpOrganizationCostsOneDatabaseReadAndOneWarning() {
        assertThat(snapshots.keeping()).as("snapshots are on (the notification connection is up)").isTrue();
        long readsBefore = snapshotReads();
        double refusedBefore = meters.counter("webhook.deliveries.refused", "reason", "unverified").count();
        for (int i = 0; i < 40; i++) {
            forged(MADE_UP, i).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        }
        assertThat(snapshotReads() - readsBefore).as("database reads for 40 deliveries to a made-up organization")
                .isEqualTo(1);
        assertThat(warningsAbout(MADE_UP)).as("WARN lines for 40 refusals in a minute").hasSize(1);
        assertThat(meters.counter("webhook.deliveries.refused", "reason", "unverified").count() - refusedBefore)
                .as("every refusal is counted").isEqualTo(40);
        assertThat(deliveries()).isZero();

        // A minute later the next refusal is logged, with the count of those that were not.
        clock.advance(Duration.ofSeconds(61));
        forged(MADE_UP, 40).statusCode(401);
        assertThat(warningsAbout(MADE_UP)).hasSize(2).last().asString().contains("and 39 more refused");
        assertThat(snapshotReads() - readsBefore).as("still remembered as absent").isEqualTo(1);
    }

    @Test
    void anOrganizationThatInstallsRightAfterARefusedDeliveryIsNotRefused() {
        String late = "other-org";
        deliver(late, SECRET, "msg_early", NOW, BODY).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        // Installed a second later, well within the ten minutes it is remembered as absent.
        clock.advance(Duration.ofSeconds(1));
        installWithAutoApproval(late, PRIMARY);
        given().contentType("application/json").body(Map.of("signingSecret", SECRET))
                .put(base(late) + "/integrations/incidentio/webhook").then().statusCode(200);
        deliver(late, SECRET, "msg_late", NOW.plusSeconds(1), BODY).statusCode(202);
        assertThat(deliveries()).isEqualTo(1);
    }

    @Test
    void aChangeAnnouncedByAnotherReplicaEndsTheMemoryOfAnAbsentOrganization() throws InterruptedException {
        long before = snapshotReads();
        forged("nobody", 1).statusCode(401);
        forged("nobody", 2).statusCode(401);
        assertThat(snapshotReads() - before).isEqualTo(1);
        // What another replica's installation sends (the triggers of migration V8): this one forgets at once.
        pool.query("notify oncall_org_changed, 'nobody'").execute().await().indefinitely();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int n = 3;
        while (snapshotReads() - before == 1 && System.nanoTime() < until) {
            forged("nobody", n++).statusCode(401);
            Thread.sleep(20);
        }
        assertThat(snapshotReads() - before).as("read again after the notification").isEqualTo(2);
    }

    @Test
    void verifiedDeliveriesPastTheLimitGet429WithRetryAfterAndNothingIsStored() {
        installWithAutoApproval(ORG, PRIMARY);
        given().contentType("application/json").body(Map.of("signingSecret", SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        for (int i = 1; i <= 5; i++) {
            deliver(ORG, SECRET, "msg_" + i, NOW, BODY).statusCode(202);
        }
        String retryAfter = deliver(ORG, SECRET, "msg_6", NOW, BODY).statusCode(429)
                .contentType("application/problem+json").body("code", equalTo("TOO_MANY_REQUESTS"))
                .body("status", equalTo(429)).extract().header("Retry-After");
        assertThat(retryAfter).as("one token a second").isEqualTo("1");
        assertThat(deliveries()).as("the refused delivery is not stored").isEqualTo(5);
        assertThat(warningsAbout(ORG)).as("the refusal is logged").hasSize(1);

        // Another organization has a limit of its own; this one's refills with time.
        clock.advance(Duration.ofSeconds(1));
        deliver(ORG, SECRET, "msg_6", NOW.plusSeconds(1), BODY).statusCode(202);
        deliver(ORG, SECRET, "msg_7", NOW.plusSeconds(1), BODY).statusCode(429);
        assertThat(deliveries()).isEqualTo(6);
    }

    @Test
    void aForgedFloodSpendsNoneOfAKnownOrganizationsLimitNorReadsTheDatabase() {
        installWithAutoApproval(ORG, PRIMARY);
        given().contentType("application/json").body(Map.of("signingSecret", SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        forged(ORG, 0).statusCode(401);
        long readsBefore = snapshotReads();
        for (int i = 1; i <= 30; i++) {
            forged(ORG, i).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        }
        assertThat(snapshotReads()).as("a known organization's snapshot answers from memory").isEqualTo(readsBefore);
        assertThat(warningsAbout(ORG)).hasSize(1);
        // incident.io's real deliveries still pass, the whole burst of them.
        for (int i = 1; i <= 5; i++) {
            deliver(ORG, SECRET, "msg_real_" + i, NOW, BODY).statusCode(202);
        }
        assertThat(deliveries()).isEqualTo(5);
    }
}
