package io.oncallapprover.events;

import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.request.RequestEventType;
import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document describes each event type (a schema of its own, and the push under {@code webhooks}), and
 * the events the service writes have what their type's schema requires.
 */
@QuarkusTest
@ConnectWireMock
class EventSchemasTest extends ApiTestBase {

    private JsonNode document() throws Exception {
        return new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi").asString());
    }

    @Test
    void eachEventTypeHasASchemaAndAPushDescribedWithItsSignatureHeaders() throws Exception {
        JsonNode doc = document();
        for (RequestEventType type : RequestEventType.values()) {
            String name = EventSchemas.schemaName(type);
            JsonNode schema = doc.path("components").path("schemas").path(name);
            assertThat(schema.path("allOf").get(0).path("$ref").asText()).as(name).isEqualTo("#/components/schemas/RequestEvent");
            assertThat(schema.path("allOf").get(1).path("properties").path("type").path("enum"))
                    .as(name + " fixes its type").containsExactly(new ObjectMapper().valueToTree(type.wire()));
            JsonNode push = doc.path("webhooks").path(type.wire()).path("post");
            assertThat(push.path("requestBody").path("content").path("application/json").path("schema").path("$ref").asText())
                    .isEqualTo("#/components/schemas/" + name);
            List<String> headers = new ArrayList<>();
            push.path("parameters").forEach(p -> headers.add(p.path("name").asText()));
            assertThat(headers).containsExactly("webhook-id", "webhook-timestamp", "webhook-signature");
        }
        assertThat(EventSchemas.schemaName(RequestEventType.GRANT_ENDED)).isEqualTo("AccessRequestGrantEndedEvent");
    }

    @Test
    void theEventsWrittenHaveWhatTheirTypesSchemaRequires() throws Exception {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        String id = given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "deploy",
                "resource", Map.of("type", "role", "service", "web", "name", "prod")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
        given().contentType("application/json").body(Map.of("by", "backend@example.com", "comment", "done"))
                .post(base(ORG) + "/access-requests/" + id + "/revoke").then().statusCode(200);

        JsonNode doc = document();
        JsonNode events = new ObjectMapper().readTree(given().get(base(ORG) + "/events").asString()).path("events");
        assertThat(events).hasSize(3);
        for (JsonNode event : events) {
            RequestEventType type = RequestEventType.ofWire(event.path("type").asText()).orElseThrow();
            JsonNode own = doc.path("components").path("schemas").path(EventSchemas.schemaName(type)).path("allOf").get(1);
            own.path("required").forEach(field -> assertThat(event.path(field.asText()).isTextual())
                    .as(type.wire() + " carries " + field.asText()).isTrue());
            JsonNode allowed = own.path("properties").path("approvedBy").path("enum");
            if (!allowed.isMissingNode()) {
                assertThat(allowed).contains(event.path("approvedBy"));
            }
        }
    }
}
