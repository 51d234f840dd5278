package io.oncallapprover.testsupport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * An approval backend receiving pushed events, on 127.0.0.1 (a trusted host in tests): records every POST
 * (headers and body) and answers 204, or 503 for the next {@link #failNext} ones.
 */
public final class EventReceiver implements AutoCloseable {

    /** One POST as it arrived. */
    public record Received(String path, Map<String, String> headers, String body, int answered) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();

    public EventReceiver() {
        try {
            server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
                int status = failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 204;
                Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                request.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
                received.add(new Received(request.uri(), headers, body.toString(), status));
                request.response().setStatusCode(status).end();
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the test receiver did not start", e);
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    /** The next {@code n} deliveries are answered 503. */
    public void failNext(int n) {
        failures.set(n);
    }

    /** Every POST so far, in arrival order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The POSTs answered 2xx. */
    public List<Received> accepted() {
        return received.stream().filter(r -> r.answered() < 300).toList();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
