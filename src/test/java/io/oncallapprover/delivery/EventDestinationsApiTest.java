package io.oncallapprover.delivery;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.SignedDeliveries.SECRET;
import static io.oncallapprover.testsupport.SignedDeliveries.deliver;
import static io.oncallapprover.testsupport.SignedDeliveries.shiftChange;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.EventReceiver;
import io.oncallapprover.webhook.WebhookProcessor;
import io.oncallapprover.webhook.WebhookSignature;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * Events pushed to event destinations: registered by an admin with a secret shown once; refused unless https
 * to a public address (or a trusted host); each event delivered once, in order, signed, through failures and
 * retries; given up after retry-for; and never twice when two replicas deliver at once.
 */
@QuarkusTest
@ConnectWireMock
class EventDestinationsApiTest extends ApiTestBase {

    @Inject
    EventDelivery delivery;

    @Inject
    WebhookProcessor processor;

    private EventReceiver receiver;

    @BeforeEach
    void installedWithAdaOnCall() {
        receiver = new EventReceiver();
        installWithAutoApproval(ORG, PRIMARY);
        given().contentType("application/json").body(Map.of("signingSecret", SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private ValidatableResponse register(Object body) {
        return given().contentType("application/json").body(body).post(base(ORG) + "/event-destinations").then();
    }

    private String create(String requester) {
        return given().contentType("application/json").body(Map.of("requester", requester, "reason", "deploy",
                "resource", Map.of("type", "role", "service", "web", "name", "prod")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
    }

    private void revoke(String id) {
        given().contentType("application/json").body(Map.of("by", "backend@example.com", "comment", "done"))
                .post(base(ORG) + "/access-requests/" + id + "/revoke").then().statusCode(200);
    }

    private int push() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> delivery.deliverDue());
    }

    private static JsonPath json(EventReceiver.Received r) {
        return JsonPath.from(r.body());
    }

    @Test
    void aDestinationIsRegisteredWithASecretShownOnceAndListedShownAndRemovedWithout() {
        JsonPath created = register(Map.of("url", receiver.url("/hooks?token=receiver-token-1234"),
                "types", List.of("access_request.grant_ended")))
                .statusCode(201).header("Location", containsString("/event-destinations/"))
                .body("secret", startsWith("whsec_")).body("types", contains("access_request.grant_ended"))
                .extract().jsonPath();
        String id = created.getString("id");
        String secret = created.getString("secret");
        assertThat(SigningSecret.parse(secret)).as("whsec_ and 32 random bytes").hasValueSatisfying(s -> assertThat(s.key()).hasSize(32));

        given().get(base(ORG) + "/event-destinations").then().statusCode(200)
                .body("destinations.id", contains(id)).body("toString()", not(containsString(secret.substring(6))));
        given().get(base(ORG) + "/event-destinations/" + id).then().statusCode(200)
                .body("url", equalTo(receiver.url("/hooks?token=receiver-token-1234"))).body("backlog", equalTo(0))
                .body("lastSuccessAt", nullValue())
                .body("toString()", not(containsString(secret.substring(6))));
        String sealed = pool.query("select secret_ciphertext from event_destination").execute().await().indefinitely()
                .iterator().next().getString(0);
        assertThat(sealed).as("stored sealed").startsWith("v1.").doesNotContain(secret.substring(6));
        given().get(base("other-org") + "/event-destinations/" + id).then().statusCode(404); // not revealed elsewhere

        given().delete(base(ORG) + "/event-destinations/" + id).then().statusCode(204);
        given().get(base(ORG) + "/event-destinations/" + id).then().statusCode(404);
        given().get(base(ORG) + "/audit-events").then()
                .body("events.action", hasItem("EVENT_DESTINATION_ADDED")).body("events.action", hasItem("EVENT_DESTINATION_REMOVED"))
                .body("toString()", not(containsString(secret.substring(6))))
                .body("toString()", not(containsString("receiver-token-1234"))) // a token in the URL's query is not audited
                .body("events.detail", hasItem(containsString(receiver.url("/hooks?…"))));
    }

    @Test
    void aDestinationThatIsNotHttpsToAPublicAddressIsRefusedNamingTheUrl() {
        for (String url : List.of("https://10.1.2.3/hooks", "https://192.168.0.10/", "https://172.20.0.1/",
                "https://169.254.169.254/latest/meta-data", "https://[::1]/hooks", "https://[fd00:ec2::254]/",
                "https://[::ffff:10.0.0.1]/", "https://100.64.0.1/", "https://0.0.0.0/", "https://[fe80::1]/",
                "http://93.184.215.14/hooks", "ftp://example.com/", "https://user:pass@93.184.215.14/", "not a url"
                )) {
            register(Map.of("url", url)).statusCode(422).body("code", equalTo("DESTINATION_NOT_ALLOWED"))
                    .body("errors[0].field", equalTo("url"));
        }
        // A name this machine resolves to one of its own addresses is refused too (the lookup is checked, not the name).
        String self = selfName();
        if (self != null) {
            register(Map.of("url", "https://" + self + "/hooks")).statusCode(422).body("code", equalTo("DESTINATION_NOT_ALLOWED"))
                    .body("errors[0].message", containsString("resolves to"));
        }
        register(Map.of("url", receiver.url("/x"), "types", List.of("access_request.eaten"))).statusCode(400)
                .body("errors[0].field", equalTo("types[0]"));
        given().get(base(ORG) + "/event-destinations").then().body("destinations.size()", equalTo(0));
    }

    /** A host name of this machine that is not a trusted host and resolves to a non-public address, if there is one. */
    private static String selfName() {
        try {
            String name = java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
            if (name.equals("localhost") || DestinationRules.ipLiteral(name).isPresent()) {
                return null;
            }
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(name)) {
                if (DestinationRules.refusal(a).isPresent()) {
                    return name;
                }
            }
            return null;
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    @Test
    void aDestinationThatFailsThreeTimesThenAcceptsGetsEachEventOnceInOrderSignedWithItsSecret() throws Throwable {
        String secret = register(Map.of("url", receiver.url("/hooks"))).statusCode(201).extract().path("secret");
        String id = given().get(base(ORG) + "/event-destinations").then().extract().path("destinations[0].id");
        String ada = create("ada@example.com"); // created, approved
        revoke(ada); // grant_ended
        receiver.failNext(3);

        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(push()).as("attempt %d fails", attempt).isZero();
            given().get(base(ORG) + "/event-destinations/" + id).then().body("attempts", equalTo(attempt))
                    .body("backlog", equalTo(3)).body("lastFailure", containsString("503"));
            assertThat(push()).as("not due before its back-off").isZero();
            clock.set(clock.instant().plus(Duration.ofMinutes(1)));
        }
        assertThat(push()).isEqualTo(3);
        assertThat(push()).as("nothing left").isZero();

        List<EventReceiver.Received> accepted = receiver.accepted();
        assertThat(accepted).extracting(r -> json(r).getString("type")).containsExactly("access_request.created",
                "access_request.approved", "access_request.grant_ended");
        assertThat(accepted).extracting(r -> json(r).getString("requestId")).containsOnly(ada);
        assertThat(receiver.received()).hasSize(6); // three refused tries of the first, then the three
        assertThat(receiver.received().subList(0, 4)).extracting(r -> r.headers().get("webhook-id")).as("the same event retried")
                .containsOnly(accepted.get(0).headers().get("webhook-id"));
        SigningSecret key = SigningSecret.parse(secret).orElseThrow();
        for (EventReceiver.Received r : accepted) {
            assertThat(r.headers().get("webhook-id")).isEqualTo(json(r).getString("id"));
            assertThat(WebhookSignature.verify(key, r.headers().get("webhook-id"), r.headers().get("webhook-timestamp"),
                    r.headers().get("webhook-signature"), r.body().getBytes(StandardCharsets.UTF_8),
                    java.time.Instant.ofEpochSecond(Long.parseLong(r.headers().get("webhook-timestamp"))), Duration.ofMinutes(5)))
                    .as("signed the way incident.io signs (Standard Webhooks)").isEmpty();
            assertThat(r.headers().get("content-type")).startsWith("application/json");
        }
        // Another secret does not verify: the signature is this destination's.
        SigningSecret other = SigningSecret.parse("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32])).orElseThrow();
        EventReceiver.Received first = accepted.get(0);
        assertThat(WebhookSignature.verify(other, first.headers().get("webhook-id"), first.headers().get("webhook-timestamp"),
                first.headers().get("webhook-signature"), first.body().getBytes(StandardCharsets.UTF_8),
                java.time.Instant.ofEpochSecond(Long.parseLong(first.headers().get("webhook-timestamp"))), Duration.ofMinutes(5)))
                .isPresent();
        // The pushed event is the one GET /events serves.
        JsonPath pulled = given().get(base(ORG) + "/events").then().extract().jsonPath();
        assertThat(json(accepted.get(2)).getMap("data")).isEqualTo(pulled.getMap("events[2].data"));
        given().get(base(ORG) + "/event-destinations/" + id).then().body("backlog", equalTo(0)).body("attempts", equalTo(0))
                .body("lastSuccessAt", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void aShiftChangeThatEndsAGrantPushesGrantEndedToADestinationOfThatTypeOnly() throws Throwable {
        register(Map.of("url", receiver.url("/only-ended"), "types", List.of("access_request.grant_ended"))).statusCode(201);
        String ada = create("ada@example.com");
        clock.set(NOW.plus(Duration.ofMinutes(10)));
        deliver(ORG, SECRET, "msg_end", NOW.plus(Duration.ofMinutes(10)),
                shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com"))).statusCode(202);
        VertxContextSupport.subscribeAndAwait(() -> processor.drainOnce());

        assertThat(push()).isEqualTo(1);
        assertThat(receiver.accepted()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/only-ended");
            assertThat(json(r).getString("type")).isEqualTo("access_request.grant_ended");
            assertThat(json(r).getString("requestId")).isEqualTo(ada);
            assertThat(json(r).getString("endedReason")).contains("shift change on schedule " + PRIMARY);
            assertThat(json(r).getString("data.status")).isEqualTo("EXPIRED");
        });
    }

    @Test
    void anEventNotAcceptedWithinRetryForIsGivenUpShownAndTheNextOnesStillArrive() throws Throwable {
        String id = register(Map.of("url", receiver.url("/hooks"))).statusCode(201).extract().path("id");
        create("ada@example.com");
        receiver.failNext(1_000);
        assertThat(push()).isZero();
        clock.set(NOW.plus(Duration.ofHours(25)));
        receiver.failNext(0);
        String later = create("ada@example.com"); // happened after the outage: still delivered
        int laterEvents = given().get(base(ORG) + "/events").then().extract().jsonPath()
                .getList("events.findAll { it.requestId == '" + later + "' }").size();
        assertThat(push()).isEqualTo(laterEvents).isPositive();
        assertThat(receiver.accepted()).extracting(r -> json(r).getString("requestId")).containsOnly(later);
        given().get(base(ORG) + "/event-destinations/" + id).then().body("givenUp", equalTo(2)).body("backlog", equalTo(0))
                .body("lastGivenUpAt", equalTo(NOW.plus(Duration.ofHours(25)).toString()));
    }

    /** More events than one turn sends (oncall.events.delivery-batch, 100): the next turn goes on where it stopped. */
    @Test
    void eventsPastOneTurnsBatchArriveInTheNextTurnStillInOrder() throws Throwable {
        register(Map.of("url", receiver.url("/hooks"))).statusCode(201);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            made.add(create("ada@example.com")); // created and approved: 120 events
        }
        assertThat(push()).as("one turn: one batch").isEqualTo(100);
        assertThat(push()).isEqualTo(20);
        assertThat(push()).isZero();
        List<String> order = receiver.accepted().stream().map(r -> json(r).getString("requestId")).distinct().toList();
        assertThat(order).as("in the order they happened").containsExactlyElementsOf(made);
        assertThat(receiver.accepted()).extracting(r -> r.headers().get("webhook-id")).doesNotHaveDuplicates().hasSize(120);
    }

    @Test
    void twoReplicasDeliveringAtOnceSendEachEventOnce() throws Throwable {
        register(Map.of("url", receiver.url("/hooks"))).statusCode(201);
        for (int i = 0; i < 5; i++) {
            create("ada@example.com");
        }
        List<CompletableFuture<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return push();
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        int sent = runs.stream().mapToInt(CompletableFuture::join).sum();
        sent += push();
        assertThat(sent).isEqualTo(10);
        assertThat(receiver.received()).extracting(r -> r.headers().get("webhook-id")).doesNotHaveDuplicates().hasSize(10);
    }

    @Test
    void aDestinationRemovedWhileEventsWaitGetsNothingMoreAndANewOneStartsFromItsRegistration() throws Throwable {
        String old = register(Map.of("url", receiver.url("/old"))).statusCode(201).extract().path("id");
        create("ada@example.com");
        given().delete(base(ORG) + "/event-destinations/" + old).then().statusCode(204);
        register(Map.of("url", receiver.url("/new"))).statusCode(201);
        assertThat(push()).as("events before its registration are in GET /events, not pushed").isZero();
        String later = create("ada@example.com");
        assertThat(push()).isEqualTo(2);
        assertThat(receiver.received()).extracting(EventReceiver.Received::path).containsOnly("/new");
        assertThat(receiver.accepted()).extracting(r -> json(r).getString("requestId")).containsOnly(later);
    }

    @Test
    void anOrganizationHoldsAtMostTheConfiguredNumberOfDestinations() {
        for (int i = 0; i < 10; i++) {
            register(Map.of("url", receiver.url("/h" + i))).statusCode(201);
        }
        register(Map.of("url", receiver.url("/h10"))).statusCode(422).body("code", equalTo("TOO_MANY_DESTINATIONS"));
    }
}
