package io.oncallapprover.delivery;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.EventReceiver;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The delivery job as production runs it: on its own, every second, nobody calling it. */
@QuarkusTest
@ConnectWireMock
@TestProfile(ScheduledDeliveryApiTest.EverySecond.class)
class ScheduledDeliveryApiTest extends ApiTestBase {

    public static class EverySecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("oncall.events.deliver-every", "1s");
        }
    }

    @Test
    void eventsReachADestinationWithinSecondsWithoutAnyoneAsking() throws Exception {
        try (EventReceiver receiver = new EventReceiver()) {
            installWithAutoApproval(ORG, PRIMARY);
            stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
            given().contentType("application/json").body(Map.of("url", receiver.url("/hooks")))
                    .post(base(ORG) + "/event-destinations").then().statusCode(201);
            given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "deploy",
                    "resource", Map.of("type", "role", "service", "web", "name", "prod")))
                    .post(base(ORG) + "/access-requests").then().statusCode(201);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (receiver.accepted().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(receiver.accepted()).hasSize(2);
        }
    }
}
