import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark's load client (bench/run.sh), single file, needs nothing but a JDK:
 * {@code java bench/load/LoadClient.java MODE --url URL --token JWT --body JSON [options]}.
 * <ul>
 * <li>{@code burst --n 1000 [--preconnect URL]}: first opens up to n connections (n concurrent GETs of
 * the preconnect URL, kept alive in the client's pool), then sends n identical POSTs at once, without
 * waiting for any answer, and waits for all of them.</li>
 * <li>{@code rate --rate 500 --seconds 120}: open loop at a fixed rate: request i is due at
 * start + i / rate whatever the earlier ones do; a request's latency is counted from when it was
 * due (so a stall of the service is not hidden by a stalled client).</li>
 * <li>{@code webhooks --rate 100 --seconds 60 --secret whsec_... --schedule ID --prefix P}: as rate, but
 * each request is a signed incident.io webhook delivery (Standard Webhooks: {@code webhook-id} P-i,
 * {@code webhook-timestamp} when it is due, {@code webhook-signature} HMAC-SHA256), no bearer token;
 * even ones {@code schedule.updated_v1}, odd ones {@code schedule.shift_change_v1} of the schedule.</li>
 * <li>{@code steady --urls URL1,URL2,... --rate 20 --seconds 90 [--measure-after 30]}: as rate, the checks
 * spread round-robin over several base URLs (replicas): check i goes to URL i mod n. Besides the figures
 * of the whole run it reports, in {@code measured}, the checks due {@code measure-after} seconds or more
 * after the start (statuses, latency percentiles), the answers per URL, and the answers' codes ("200 ON_CALL":
 * the status and the first {@code "code"} of the body: the check's, or a problem's).</li>
 * </ul>
 * HTTP/1.1 (no h2c upgrade), no limit on connections (the JDK client opens one per request in flight
 * and keeps them alive), 4 client threads. Prints one JSON line: statuses ({@code count503} apart), errors,
 * latency percentiles in ms, and for rate the rate achieved and the sender's worst lateness.
 */
public class LoadClient {

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(pool).build();
        HttpRequest request = !o.containsKey("body") || !o.containsKey("url") ? null : HttpRequest.newBuilder(URI.create(o.get("url")))
                .header("Authorization", "Bearer " + o.get("token"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(Long.parseLong(o.getOrDefault("timeout", "30"))))
                .POST(HttpRequest.BodyPublishers.ofString(o.get("body"))).build();
        String out = switch (mode) {
            case "burst" -> burst(client, request, Integer.parseInt(o.getOrDefault("n", "1000")), o.get("preconnect"));
            case "rate" -> rate(client, i -> request, Double.parseDouble(o.getOrDefault("rate", "500")),
                    Double.parseDouble(o.getOrDefault("seconds", "120")), "rate");
            case "webhooks" -> rate(client, deliveries(o), Double.parseDouble(o.getOrDefault("rate", "100")),
                    Double.parseDouble(o.getOrDefault("seconds", "60")), "webhooks");
            case "steady" -> steady(client, o);
            default -> throw new IllegalArgumentException("mode: burst, rate, webhooks or steady");
        };
        System.out.println(out);
        pool.shutdownNow();
        System.exit(0);
    }

    static final java.util.regex.Pattern CODE = java.util.regex.Pattern.compile("\"code\"\\s*:\\s*\"([A-Za-z_]+)\"");

    /** Outcomes of the requests of one run. */
    static final class Tally {
        final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final long[] latencyNanos;
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        /** The status (or -1 for a client error) of each request, for the measured window and per URL. */
        final int[] outcome;
        /** When set, answers are read and their first "code" counted (the check's code, or a problem's). */
        Map<String, LongAdder> codes;

        Tally(int n) {
            latencyNanos = new long[n];
            Arrays.fill(latencyNanos, -1);
            outcome = new int[n];
        }

        CompletableFuture<Void> send(HttpClient client, HttpRequest request, int i, long dueNanos) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            HttpResponse.BodyHandler<?> handler = codes == null ? HttpResponse.BodyHandlers.discarding()
                    : HttpResponse.BodyHandlers.ofString();
            return client.sendAsync(request, handler).handle((response, failure) -> {
                latencyNanos[i] = System.nanoTime() - dueNanos;
                inFlight.decrementAndGet();
                if (failure != null) {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    errors.computeIfAbsent(cause.getClass().getSimpleName(), k -> new LongAdder()).increment();
                    outcome[i] = -1;
                } else {
                    statuses.computeIfAbsent(response.statusCode(), k -> new LongAdder()).increment();
                    outcome[i] = response.statusCode();
                    if (codes != null) {
                        java.util.regex.Matcher m = CODE.matcher(String.valueOf(response.body()));
                        codes.computeIfAbsent(response.statusCode() + " " + (m.find() ? m.group(1) : "-"), k -> new LongAdder())
                                .increment();
                    }
                }
                done.incrementAndGet();
                return null;
            });
        }

        String json(Map<String, Object> extra) {
            long[] sorted = Arrays.stream(latencyNanos).filter(v -> v >= 0).sorted().toArray();
            Map<String, Object> m = new java.util.LinkedHashMap<>(extra);
            Map<String, Long> st = new TreeMap<>();
            statuses.forEach((k, v) -> st.put(Integer.toString(k), v.sum()));
            Map<String, Long> er = new TreeMap<>();
            errors.forEach((k, v) -> er.put(k, v.sum()));
            m.put("completed", sorted.length);
            m.put("statuses", st);
            m.put("count503", st.getOrDefault("503", 0L));
            if (codes != null) {
                Map<String, Long> cd = new TreeMap<>();
                codes.forEach((k, v) -> cd.put(k, v.sum()));
                m.put("codes", cd);
            }
            m.put("errors", er);
            m.put("maxInFlight", maxInFlight.get());
            m.put("p50Ms", pct(sorted, 0.50));
            m.put("p90Ms", pct(sorted, 0.90));
            m.put("p99Ms", pct(sorted, 0.99));
            m.put("maxMs", sorted.length == 0 ? null : ms(sorted[sorted.length - 1]));
            return toJson(m);
        }
    }

    /** Statuses and latency percentiles of the requests from index {@code from} on (the measured window). */
    static Map<String, Object> window(Tally tally, int from) {
        long[] sorted = Arrays.stream(Arrays.copyOfRange(tally.latencyNanos, Math.min(from, tally.latencyNanos.length),
                tally.latencyNanos.length)).filter(v -> v >= 0).sorted().toArray();
        Map<String, Long> st = new TreeMap<>();
        for (int i = from; i < tally.outcome.length; i++) {
            if (tally.latencyNanos[i] >= 0) {
                st.merge(tally.outcome[i] < 0 ? "error" : Integer.toString(tally.outcome[i]), 1L, Long::sum);
            }
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("completed", sorted.length);
        m.put("statuses", st);
        m.put("p50Ms", pct(sorted, 0.50));
        m.put("p90Ms", pct(sorted, 0.90));
        m.put("p99Ms", pct(sorted, 0.99));
        m.put("maxMs", sorted.length == 0 ? null : ms(sorted[sorted.length - 1]));
        return m;
    }

    /** Checks at a fixed rate, open loop, round-robin over the URLs (one per replica). */
    static String steady(HttpClient client, Map<String, String> o) throws Exception {
        String[] urls = o.get("urls").split(",");
        HttpRequest[] requests = new HttpRequest[urls.length];
        for (int u = 0; u < urls.length; u++) {
            requests[u] = HttpRequest.newBuilder(URI.create(urls[u].trim()))
                    .header("Authorization", "Bearer " + o.get("token"))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(Long.parseLong(o.getOrDefault("timeout", "30"))))
                    .POST(HttpRequest.BodyPublishers.ofString(o.get("body"))).build();
        }
        double rate = Double.parseDouble(o.getOrDefault("rate", "20"));
        double seconds = Double.parseDouble(o.getOrDefault("seconds", "90"));
        double measureAfter = Double.parseDouble(o.getOrDefault("measure-after", "0"));
        Tally[] holder = new Tally[1];
        String whole = rate(client, i -> requests[i % requests.length], rate, seconds, "steady", tally -> {
            holder[0] = tally;
            Map<String, Object> extra = new java.util.LinkedHashMap<>();
            extra.put("urls", urls.length);
            extra.put("measureAfterSeconds", measureAfter);
            extra.put("measured", window(tally, (int) Math.ceil(measureAfter * rate)));
            Map<String, Object> byUrl = new java.util.LinkedHashMap<>();
            for (int u = 0; u < urls.length; u++) {
                Map<String, Long> st = new TreeMap<>();
                for (int i = u; i < tally.outcome.length; i += urls.length) {
                    st.merge(tally.latencyNanos[i] < 0 ? "unanswered" : tally.outcome[i] < 0 ? "error"
                            : Integer.toString(tally.outcome[i]), 1L, Long::sum);
                }
                byUrl.put(Integer.toString(u), st);
            }
            extra.put("byUrl", byUrl);
            return extra;
        });
        return whole;
    }

    static String burst(HttpClient client, HttpRequest request, int n, String preconnect) throws Exception {
        if (preconnect != null) {
            HttpRequest warm = HttpRequest.newBuilder(URI.create(preconnect)).timeout(Duration.ofSeconds(30)).GET().build();
            List<CompletableFuture<HttpResponse<Void>>> warming = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                warming.add(client.sendAsync(warm, HttpResponse.BodyHandlers.discarding()));
            }
            CompletableFuture.allOf(warming.toArray(CompletableFuture[]::new)).exceptionally(t -> null).get(60, TimeUnit.SECONDS);
            Thread.sleep(200);
        }
        Tally tally = new Tally(n);
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            all.add(tally.send(client, request, i, System.nanoTime()));
        }
        long sent = System.nanoTime();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        long end = System.nanoTime();
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("mode", "burst");
        extra.put("n", n);
        extra.put("sendSpreadMs", ms(sent - start));
        extra.put("wallMs", ms(end - start));
        return tally.json(extra);
    }

    /** Signed deliveries, one per index, each with its own webhook-id, signed when it is built (when due). */
    static java.util.function.IntFunction<HttpRequest> deliveries(Map<String, String> o) throws Exception {
        byte[] key = java.util.Base64.getDecoder().decode(o.get("secret").substring("whsec_".length()));
        String schedule = o.get("schedule");
        String prefix = o.getOrDefault("prefix", "msg_bench");
        URI url = URI.create(o.get("url"));
        return i -> {
            String id = prefix + "_" + i;
            long timestamp = System.currentTimeMillis() / 1000;
            String body = i % 2 == 0
                    ? "{\"event_type\": \"schedule.updated_v1\", \"schedule.updated_v1\": {\"id\": \"" + schedule + "\", \"name\": \"Bench\"}}"
                    : "{\"event_type\": \"schedule.shift_change_v1\", \"schedule.shift_change_v1\": {\"schedule\": {\"id\": \""
                            + schedule + "\", \"name\": \"Bench\"}, \"current_users\": [{\"id\": \"01USERBENCH\", \"name\": \"Bench\","
                            + " \"email\": \"bench.user@example.com\", \"role\": \"viewer\"}], \"previous_users\": []}}";
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
                String signature = "v1," + java.util.Base64.getEncoder().encodeToString(
                        mac.doFinal((id + "." + timestamp + "." + body).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                return HttpRequest.newBuilder(url).header("Content-Type", "application/json").header("webhook-id", id)
                        .header("webhook-timestamp", Long.toString(timestamp)).header("webhook-signature", signature)
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static String rate(HttpClient client, java.util.function.IntFunction<HttpRequest> requests, double rate, double seconds,
            String mode) throws Exception {
        return rate(client, requests, rate, seconds, mode, tally -> Map.of());
    }

    static String rate(HttpClient client, java.util.function.IntFunction<HttpRequest> requests, double rate, double seconds,
            String mode, java.util.function.Function<Tally, Map<String, Object>> more) throws Exception {
        int n = (int) Math.round(rate * seconds);
        Tally tally = new Tally(n);
        if (mode.equals("steady")) {
            tally.codes = new ConcurrentHashMap<>();
        }
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + 100_000_000L;
        long worstLateNanos = 0;
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * periodNanos);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            worstLateNanos = Math.max(worstLateNanos, -wait);
            all.add(tally.send(client, requests.apply(i), i, due));
        }
        long lastSent = System.nanoTime();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("mode", mode);
        extra.put("targetRate", rate);
        extra.put("seconds", seconds);
        extra.put("sent", n);
        extra.put("achievedRate", Math.round(n / ((lastSent - start) / 1e9) * 10) / 10.0);
        extra.put("senderWorstLateMs", ms(worstLateNanos));
        extra.putAll(more.apply(tally));
        return tally.json(extra);
    }

    static Double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return null;
        }
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return ms(sorted[Math.max(0, Math.min(sorted.length - 1, idx))]);
    }

    static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    @SuppressWarnings("unchecked")
    static String toJson(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (var e : ((Map<String, Object>) m).entrySet()) {
                b.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(toJson(e.getValue()));
                first = false;
            }
            return b.append('}').toString();
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
