package io.oncallapprover.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The incident.io API key appears in no log line (at any level), response, metric or API document,
 * through a whole install, check, failure, rotation and uninstall run.
 */
@QuarkusTest
@ConnectWireMock
class SecretLeakTest extends ApiTestBase {

    static final String SECRET = "inc_live_S3cr3tVal-0123456789abcdefXYZ";
    static final String ROTATED = "inc_live_R0tat3dVal-9876543210fedcbaQRS";

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private Handler capture;
    private Level previousLevel;

    @BeforeEach
    void captureAllLogs() {
        Logger root = Logger.getLogger("");
        previousLevel = Logger.getLogger("io.oncallapprover").getLevel();
        Logger.getLogger("io.oncallapprover").setLevel(Level.ALL);
        capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String logger = String.valueOf(record.getLoggerName());
                if (logger.startsWith("io.quarkiverse.wiremock") || logger.startsWith("WireMock")) {
                    return; // the fake incident.io's own request log: not this service's output
                }
                String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
                StringWriter trace = new StringWriter();
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new PrintWriter(trace));
                }
                logLines.add(record.getLoggerName() + " " + message + " " + trace);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        root.addHandler(capture);
    }

    @AfterEach
    void stopCapture() {
        Logger.getLogger("").removeHandler(capture);
        Logger.getLogger("io.oncallapprover").setLevel(previousLevel);
    }

    @Test
    void theApiKeyNeverLeaves() {
        List<String> bodies = new java.util.ArrayList<>();
        stubs.installable();
        bodies.add(install(ORG, SECRET).statusCode(200).extract().asString());
        stubs.scheduleExists(PRIMARY);
        bodies.add(setAutoApproval(ORG, List.of(PRIMARY)).statusCode(200).extract().asString());
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Ada", "ada@example.com"));
        bodies.add(autoCheck(ORG, "ada@example.com", null).statusCode(200).extract().asString());
        bodies.add(given().get(base(ORG) + "/integrations/incidentio").then().statusCode(200).extract().asString());

        // Failures log and answer too: incident.io down, then the key revoked.
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.resetMappings();
        wiremock.register(get(urlEqualTo("/v1/identity")).willReturn(aResponse().withStatus(500)));
        wiremock.register(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v2/schedule_entries"))
                .willReturn(aResponse().withStatus(500)));
        bodies.add(autoCheck(ORG, "ada@example.com", null).statusCode(503).extract().asString());
        bodies.add(install(ORG, SECRET).statusCode(503).extract().asString());
        wiremock.register(get(urlEqualTo("/v1/identity")).willReturn(aResponse().withStatus(401)));
        bodies.add(install(ORG, SECRET).statusCode(422).extract().asString());

        stubs.installable();
        bodies.add(install(ORG, ROTATED).statusCode(200).extract().asString());
        bodies.add(given().get(base(ORG) + "/audit-events").then().statusCode(200).extract().asString());
        given().delete(base(ORG) + "/integrations/incidentio").then().statusCode(204);

        bodies.add(io.oncallapprover.testsupport.ManagementPort.given().get("/q/metrics").then().extract().asString());
        bodies.add(given().queryParam("format", "json").get("/q/openapi").then().extract().asString());

        assertThat(logLines).as("log lines were captured").isNotEmpty();
        assertThat(String.join("\n", logLines)).contains("…" + SECRET.substring(SECRET.length() - 4))
                .doesNotContain(SECRET).doesNotContain(ROTATED)
                .doesNotContain(SECRET.substring(0, 20)).doesNotContain(ROTATED.substring(0, 20));
        assertThat(String.join("\n", bodies)).doesNotContain(SECRET).doesNotContain(ROTATED)
                .doesNotContain(SECRET.substring(0, 20));
    }
}
