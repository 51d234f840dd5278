package io.oncallapprover.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.common.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.oncallapprover.delivery.DestinationRules.Target;
import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.webhook.WebhookSignature;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;

/**
 * POSTs one event to one destination, signed as incident.io signs its own webhooks (Standard Webhooks):
 * {@code webhook-id} (the event id), {@code webhook-timestamp} (seconds) and {@code webhook-signature}
 * ({@code v1,} base64 HMAC-SHA256 of {@code id.timestamp.body} keyed with the secret's bytes). It connects to
 * the address {@link DestinationAddresses} checked, names the host for TLS (SNI, certificate) and the
 * {@code Host} header, and never follows a redirect. The outcome is the status, or the failure.
 */
@ApplicationScoped
public class EventSender {

    /** What one attempt came to: delivered (2xx), or why not. */
    public record Outcome(boolean delivered, String failure) {

        static Outcome of(int status) {
            return status >= 200 && status < 300 ? new Outcome(true, null) : new Outcome(false, "answered " + status);
        }
    }

    @Inject
    DestinationAddresses addresses;

    @Inject
    EventsConfig config;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    @Inject
    Tracer tracer;

    @Inject
    MeterRegistry meters;

    private volatile HttpClient client;

    /** Both outcomes exist from the start at zero, so a failure ratio has a denominator before the first event. */
    void registerCounters(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent started) {
        meters.counter("events.deliveries", "outcome", "delivered");
        meters.counter("events.deliveries", "outcome", "failed");
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions().setVerifyHost(true).setForceSni(true)
                            .setConnectTimeout((int) config.deliveryTimeout().toMillis()).setMaxPoolSize(16)
                            .setKeepAliveTimeout(30).setMaxRedirects(0));
                }
                c = client;
            }
        }
        return c;
    }

    @PreDestroy
    void close() {
        if (client != null) {
            client.closeAndForget();
        }
    }

    /**
     * Sends {@code body} (the event as stored) with event id {@code eventId}; never fails, a failure is an outcome.
     * Traced (a span per delivery attempt, with the destination's host but never its path or query, where a token
     * may ride) and counted ({@code events_deliveries_total{outcome}}).
     */
    public Uni<Outcome> send(String url, SigningSecret secret, String eventId, String body) {
        Span span = tracer.spanBuilder("event delivery").setSpanKind(SpanKind.CLIENT)
                .setAttribute("event.id", eventId).startSpan();
        return Spans.within(span, () -> attempt(url, secret, eventId, body, span), (outcome, failure) -> {
            boolean delivered = outcome != null && outcome.delivered();
            span.setAttribute("event.delivered", delivered);
            if (!delivered) {
                span.setStatus(StatusCode.ERROR, "not delivered");
            }
            meters.counter("events.deliveries", "outcome", delivered ? "delivered" : "failed").increment();
        });
    }

    private Uni<Outcome> attempt(String url, SigningSecret secret, String eventId, String body, Span span) {
        Target target;
        try {
            target = addresses.target(url);
        } catch (DestinationRules.Refused refused) {
            return Uni.createFrom().item(new Outcome(false, "url " + refused.getMessage()));
        }
        span.setAttribute("server.address", target.host());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        String signature = "v1," + WebhookSignature.signature(secret, eventId, timestamp, bytes);
        long timeout = config.deliveryTimeout().toMillis();
        return addresses.address(target)
                .flatMap(address -> client().request(new RequestOptions().setMethod(HttpMethod.POST)
                        .setServer(SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()))
                        .setHost(target.host()).setPort(target.port()).setSsl(target.https()).setURI(target.pathAndQuery())
                        .setFollowRedirects(false).setTimeout(timeout)
                        .putHeader("content-type", "application/json")
                        .putHeader("user-agent", "oncall-approver-events/1")
                        .putHeader("webhook-id", eventId)
                        .putHeader("webhook-timestamp", timestamp)
                        .putHeader("webhook-signature", signature)))
                .flatMap(request -> request.send(Buffer.buffer(bytes)))
                // The answer's body is not read: only its status counts, and a large one must cost nothing.
                .flatMap(response -> {
                    span.setAttribute("http.response.status_code", (long) response.statusCode());
                    return response.end().replaceWith(Outcome.of(response.statusCode()));
                })
                .ifNoItem().after(config.deliveryTimeout().plusMillis(500)).fail()
                .onFailure().recoverWithItem(failure -> new Outcome(false, describe(failure)));
    }

    private static String describe(Throwable failure) {
        if (failure instanceof DestinationRules.Refused refused) {
            return "url " + refused.getMessage();
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer in time";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
