import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A simulator of the parts of incident.io that oncall-approver calls, for the benchmark
 * (bench/run.sh). Single file, needs nothing but a JDK: {@code java bench/sim/IncidentIoSim.java [options]}.
 *
 * <p>What it simulates:
 * <ul>
 * <li>{@code GET /v1/identity} (every role the service needs), {@code GET /v2/custom_fields} (none),
 * {@code GET /v3/catalog_types} (with the built-in "Schedule" type), {@code POST /v2/custom_fields},
 * {@code GET /v1/severities}, {@code GET /v1/incident_types}: what an install needs.</li>
 * <li>{@code GET /v2/schedules} (paginated by {@code page_size}/{@code after}) and
 * {@code GET /v2/schedules/{id}} (404 for an unknown id): the configured schedules.</li>
 * <li>{@code GET /v2/schedule_entries?schedule_id=&entry_window_start=&entry_window_end=}: a schedule
 * answers in 1 or more pages (configured). Page 1 is asked with an ISO instant as
 * {@code entry_window_start}; its {@code pagination_meta.after} is a cursor the service moves into
 * {@code entry_window_start} to ask page 2, and so on. The {@code final} entries of page 1 put the
 * bench user on call for [now - 1 h, now + 7 h), which covers any window the service asks; later
 * pages hold another user's shift.</li>
 * </ul>
 * Every answer to {@code /v*} is sent after {@code --delay-ms} (a scheduled executor holds the
 * exchange: 1,000 concurrent requests need no 1,000 threads). The rate limit per {@code Authorization}
 * header ({@code --rate-limit}, 0 = off) has two models ({@code --rate-model}):
 * <ul>
 * <li>{@code window} (the default, what bench/run.sh measures against): at most {@code rate-limit}
 * requests in any sliding 60 s; beyond it 429 with {@code Retry-After} = whole seconds until the oldest
 * admitted request leaves the window;</li>
 * <li>{@code bucket} (how incident.io documents its limit, used by bench/scale.sh): a token bucket of
 * {@code rate-limit} tokens (1,200) that refills continuously at {@code rate-limit}/60 per second (20/s):
 * bursts up to 1,200, sustained 20 requests/s; when empty, 429 with {@code Retry-After} = whole
 * seconds until a token is there (at least 1).</li>
 * </ul>
 * In both, a request refused does not count towards the limit.
 *
 * <p>Generated schedules ({@code --generated-schedules N}, or {@code POST /__config?schedules=N} at run
 * time; 0 = back to {@code --schedules}): the account then has exactly N schedules,
 * {@code 01SCALE} + a zero-padded number (1..N) to 26 characters, in that order. {@code GET /v2/schedules}
 * honours {@code page_size} up to 10,000 (default 25; more, or less than 1, is a 422 as in incident.io's
 * schema) and pages with {@code pagination_meta.after} (the last id of the page; absent on the last page)
 * and {@code total_record_count}. Each schedule has incident.io's shape (id, name, timezone, team_ids,
 * annotations, permalink, created_at, updated_at, a config with one rotation of one layer, its users and
 * handovers) with {@code current_shifts} (who is on call now: [t - 1 h, t + 7 h), t = when the schedules
 * were generated, renewed every 6 h) and {@code next_shifts} (the next 8 h); the list fills
 * {@code next_shifts} only when {@code page_size} is 25 or less, as incident.io does. The bench user
 * ({@code --user}) is on call only in the LAST schedule; schedule n has {@code oncall-n@example.com} on
 * call. {@code GET /v2/schedule_entries} of a generated schedule answers the same shifts (those overlapping
 * the window asked) as scheduled and final entries, in one page.
 *
 * <p>Administration (never delayed nor limited): {@code GET /__stats} (JSON: requests per endpoint,
 * requests per API key in all and per endpoint, schedule_entries calls per API key, schedule and page,
 * 429s sent in all and per API key, the most requests in flight), {@code POST /__reset} (zeroes the
 * counters and the rate-limit state), {@code POST /__config?delayMs=&rateLimit=&rateModel=&schedules=}
 * (changes them at run time).
 *
 * <p>Options (or environment variables): {@code --port} (SIM_PORT, 18089), {@code --delay-ms}
 * (SIM_DELAY_MS, 50), {@code --rate-limit} (SIM_RATE_LIMIT, 1200), {@code --rate-model}
 * (SIM_RATE_MODEL, window), {@code --schedules} (SIM_SCHEDULES, {@code id:pages,...}),
 * {@code --generated-schedules} (SIM_GENERATED_SCHEDULES, 0), {@code --user} (SIM_USER, the bench
 * user's email), {@code --threads} (SIM_THREADS, 4: request handling; the delay is a timer, not a thread).
 */
public class IncidentIoSim {

    static final String SCHEDULE_TYPE_ID = "01SIMCATTYPESCHEDULE000001";
    static final String CURSOR_PREFIX = "simcursor-";
    static final String GENERATED_PREFIX = "01SCALE";
    static final int ID_LENGTH = 26;
    static final int MAX_PAGE_SIZE = 10_000;
    static final String BENCH_USER_ID = "01SIMUSERBENCH000000000001";

    final Map<String, Integer> schedulePages = new LinkedHashMap<>();
    final String user;
    volatile long delayMs;
    volatile int rateLimit;
    volatile String rateModel;
    /** The generated account (null: the configured schedules); replaced as a whole. */
    volatile Generated generated;

    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, named("sim-delay"));
    final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    /** api key -> schedule -> page -> calls */
    final Map<String, Map<String, Map<Integer, LongAdder>>> entries = new ConcurrentHashMap<>();
    final Map<String, LongAdder> rateLimitedByKey = new ConcurrentHashMap<>();
    final LongAdder rateLimited = new LongAdder();
    final Map<String, ArrayDeque<Long>> windows = new HashMap<>();
    /** api key header -> token bucket (model "bucket") */
    final Map<String, Bucket> buckets = new HashMap<>();
    /** api key -> requests (all endpoints, 429s included) */
    final Map<String, LongAdder> requestsByKey = new ConcurrentHashMap<>();
    /** api key -> endpoint -> requests */
    final Map<String, Map<String, LongAdder>> requestsByKeyEndpoint = new ConcurrentHashMap<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicLong since = new AtomicLong(System.currentTimeMillis());

    IncidentIoSim(String schedules, String user, long delayMs, int rateLimit, String rateModel, int generatedSchedules) {
        for (String spec : schedules.split(",")) {
            String[] parts = spec.trim().split(":");
            if (parts[0].isEmpty()) {
                continue;
            }
            schedulePages.put(parts[0], parts.length > 1 ? Integer.parseInt(parts[1]) : 1);
        }
        this.user = user;
        this.delayMs = delayMs;
        this.rateLimit = rateLimit;
        this.rateModel = checkRateModel(rateModel);
        this.generated = generatedSchedules > 0 ? new Generated(generatedSchedules, user, Instant.now()) : null;
    }

    static String checkRateModel(String model) {
        if (!model.equals("window") && !model.equals("bucket")) {
            throw new IllegalArgumentException("rate model: window or bucket, not " + model);
        }
        return model;
    }

    public static void main(String[] args) throws IOException {
        // Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm and delayed
        // ACKs could add up to 40 ms to an answer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int port = Integer.parseInt(opt(opts, "port", "SIM_PORT", "18089"));
        IncidentIoSim sim = new IncidentIoSim(
                opt(opts, "schedules", "SIM_SCHEDULES", "01BENCHPRIMARY000000000001:2,01BENCHSECONDARY0000000002:1,"
                        + "01BENCHDATABASE00000000003:1,01BENCHFOUR000000000000004:1,01BENCHFIVE000000000000005:1,"
                        + "01BENCHSIX0000000000000006:1"),
                opt(opts, "user", "SIM_USER", "bench.user@example.com"),
                Long.parseLong(opt(opts, "delay-ms", "SIM_DELAY_MS", "50")),
                Integer.parseInt(opt(opts, "rate-limit", "SIM_RATE_LIMIT", "1200")),
                opt(opts, "rate-model", "SIM_RATE_MODEL", "window"),
                Integer.parseInt(opt(opts, "generated-schedules", "SIM_GENERATED_SCHEDULES", "0")));
        int threads = Integer.parseInt(opt(opts, "threads", "SIM_THREADS", "4"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
        ExecutorService pool = Executors.newFixedThreadPool(threads, named("sim-http"));
        server.setExecutor(pool);
        server.createContext("/", sim::handle);
        server.start();
        Generated g = sim.generated;
        System.out.printf("incident.io simulator on 127.0.0.1:%d: delay %d ms, rate limit %d/60s per key (%s), schedules %s, user %s%n",
                port, sim.delayMs, sim.rateLimit, sim.rateModel,
                g == null ? sim.schedulePages.toString() : g.count + " generated", sim.user);
    }

    static String opt(Map<String, String> opts, String name, String env, String dflt) {
        String v = opts.get(name);
        if (v == null) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? dflt : v;
    }

    static java.util.concurrent.ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            return t;
        };
    }

    record Answer(int status, String body, Map<String, String> headers) {
        Answer(int status, String body) {
            this(status, body, Map.of());
        }
    }

    void handle(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
        }
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        if (path.startsWith("/__")) {
            send(ex, admin(method, path, query));
            return;
        }
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        String endpoint = method + " " + (path.startsWith("/v2/schedules/") ? "/v2/schedules/{id}" : path);
        requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        Answer answer;
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() <= 7) {
            answer = error(401, "authentication_error", "missing_authorization_material", "No API key was sent");
        } else {
            String key = auth.substring(7);
            requestsByKey.computeIfAbsent(key, k -> new LongAdder()).increment();
            requestsByKeyEndpoint.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(endpoint, k -> new LongAdder()).increment();
            if (path.equals("/v2/schedule_entries")) {
                countEntries(key, query);
            }
            long retryAfter = admit(auth);
            if (retryAfter > 0) {
                rateLimited.increment();
                rateLimitedByKey.computeIfAbsent(key, k -> new LongAdder()).increment();
                answer = new Answer(429, problem(429, "rate_limited", "too_many_requests", "Rate limit exceeded"),
                        Map.of("Retry-After", Long.toString(retryAfter)));
            } else {
                answer = api(method, path, query);
            }
        }
        long delay = delayMs;
        Answer a = answer;
        if (delay <= 0) {
            finish(ex, a);
        } else {
            timer.schedule(() -> finish(ex, a), delay, TimeUnit.MILLISECONDS);
        }
    }

    void finish(HttpExchange ex, Answer answer) {
        inFlight.decrementAndGet();
        try {
            send(ex, answer);
        } catch (IOException | RuntimeException e) {
            ex.close();
        }
    }

    static void send(HttpExchange ex, Answer answer) throws IOException {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        answer.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** 0 when admitted; otherwise the Retry-After in seconds. */
    long admit(String auth) {
        int limit = rateLimit;
        if (limit <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (rateModel.equals("bucket")) {
            synchronized (buckets) {
                return buckets.computeIfAbsent(auth, k -> new Bucket(limit, now)).take(limit, now);
            }
        }
        long windowNanos = TimeUnit.SECONDS.toNanos(60);
        synchronized (windows) {
            ArrayDeque<Long> w = windows.computeIfAbsent(auth, k -> new ArrayDeque<>());
            while (!w.isEmpty() && now - w.peekFirst() >= windowNanos) {
                w.pollFirst();
            }
            if (w.size() >= limit) {
                long waitNanos = w.peekFirst() + windowNanos - now;
                return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            }
            w.addLast(now);
            return 0;
        }
    }

    /** incident.io's documented limit: {@code capacity} tokens, refilled continuously at capacity/60 per second. */
    static final class Bucket {
        double tokens;
        long last;

        Bucket(double capacity, long now) {
            tokens = capacity;
            last = now;
        }

        /** 0 when a token was taken; otherwise whole seconds until one is there (at least 1). */
        long take(int capacity, long now) {
            double perSecond = capacity / 60.0;
            tokens = Math.min(capacity, tokens + (now - last) / 1e9 * perSecond);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
        }
    }

    void countEntries(String key, Map<String, String> query) {
        String schedule = query.getOrDefault("schedule_id", "");
        int page = pageOf(query.get("entry_window_start"));
        entries.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(schedule, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(page, k -> new LongAdder()).increment();
    }

    /** 1 for an ISO instant, n for the cursor of page n, 0 for anything else. */
    static int pageOf(String windowStart) {
        if (windowStart == null) {
            return 0;
        }
        if (windowStart.startsWith(CURSOR_PREFIX)) {
            try {
                return Integer.parseInt(windowStart.substring(CURSOR_PREFIX.length()));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        try {
            Instant.parse(windowStart);
            return 1;
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    Answer api(String method, String path, Map<String, String> query) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        switch (method + " " + path) {
            case "GET /v1/identity":
                return new Answer(200, "{\"identity\":{\"name\":\"incident.io simulator\",\"dashboard_url\":\"https://app.incident.io/sim\","
                        + "\"roles\":[\"viewer\",\"incident_creator\",\"incident_editor\",\"manage_settings\",\"catalog_viewer\","
                        + "\"schedules_reader\"],\"team_roles\":[]}}");
            case "GET /v2/custom_fields":
                return new Answer(200, "{\"custom_fields\":[]}");
            case "GET /v3/catalog_types":
                return new Answer(200, "{\"catalog_types\":[{\"id\":\"" + SCHEDULE_TYPE_ID
                        + "\",\"name\":\"Schedule\",\"type_name\":\"IncidentIOSchedule\"}]}");
            case "POST /v2/custom_fields":
                return new Answer(201, "{\"custom_field\":{\"id\":\"01SIMCUSTOMFIELD0000000001\",\"name\":\"On-call approver schedules\","
                        + "\"field_type\":\"multi_select\",\"catalog_type_id\":\"" + SCHEDULE_TYPE_ID + "\"}}");
            case "GET /v1/severities":
                return new Answer(200, "{\"severities\":[{\"id\":\"01SIMSEVMINOR0000000000001\",\"name\":\"Minor\",\"rank\":1}]}");
            case "GET /v1/incident_types":
                return new Answer(200, "{\"incident_types\":[{\"id\":\"01SIMTYPEDEFAULT0000000001\",\"name\":\"Default\","
                        + "\"is_default\":true,\"private_incidents_only\":false}]}");
            case "GET /v2/schedules":
                return generated() != null ? generatedSchedules(query) : schedules(query);
            case "GET /v2/schedule_entries":
                return generated() != null ? generatedEntries(query) : scheduleEntries(query, now);
            default:
                if (method.equals("GET") && path.startsWith("/v2/schedules/")) {
                    String id = path.substring("/v2/schedules/".length());
                    Generated g = generated();
                    if (g != null) {
                        int n = g.number(id);
                        return n < 1 ? error(404, "not_found", "not_found", "Not found")
                                : new Answer(200, "{\"schedule\":" + g.schedule(n, true) + "}");
                    }
                    if (schedulePages.containsKey(id)) {
                        return new Answer(200, "{\"schedule\":" + schedule(id) + "}");
                    }
                }
                return error(404, "not_found", "not_found", "Not found");
        }
    }

    Answer schedules(Map<String, String> query) {
        int size = 25;
        try {
            size = Math.max(1, Integer.parseInt(query.getOrDefault("page_size", "25")));
        } catch (NumberFormatException ignored) {
            // default page size
        }
        List<String> ids = new ArrayList<>(schedulePages.keySet());
        int from = 0;
        String after = query.get("after");
        if (after != null && !after.isEmpty()) {
            from = ids.indexOf(after) + 1;
        }
        int to = Math.min(ids.size(), from + size);
        StringBuilder b = new StringBuilder("{\"schedules\":[");
        for (int i = from; i < to; i++) {
            b.append(i > from ? "," : "").append(schedule(ids.get(i)));
        }
        b.append("],\"pagination_meta\":{\"page_size\":").append(size).append(",\"total_record_count\":").append(ids.size());
        if (to < ids.size()) {
            b.append(",\"after\":\"").append(ids.get(to - 1)).append('"');
        }
        return new Answer(200, b.append("}}").toString());
    }

    static String schedule(String id) {
        return "{\"id\":\"" + id + "\",\"name\":\"Bench " + id + "\",\"timezone\":\"UTC\"}";
    }

    Answer scheduleEntries(Map<String, String> query, Instant now) {
        String id = query.get("schedule_id");
        Integer pages = id == null ? null : schedulePages.get(id);
        if (pages == null) {
            return error(404, "not_found", "not_found", "Schedule not found");
        }
        int page = pageOf(query.get("entry_window_start"));
        if (page < 1 || page > pages || query.get("entry_window_end") == null) {
            return error(422, "validation_error", "invalid_value", "entry_window_start is neither a time nor a cursor");
        }
        String entry;
        if (page == 1) {
            entry = entry(id, page, now.minus(1, ChronoUnit.HOURS), now.plus(7, ChronoUnit.HOURS), "01SIMUSERBENCH000000000001",
                    "Bench User", user);
        } else {
            entry = entry(id, page, now.minus(10, ChronoUnit.HOURS), now.minus(1, ChronoUnit.HOURS), "01SIMUSEROTHER000000000002",
                    "Other User", "other.user@example.com");
        }
        String list = "[" + entry + "]";
        StringBuilder b = new StringBuilder("{\"schedule_entries\":{\"scheduled\":").append(list)
                .append(",\"overrides\":[],\"final\":").append(list).append("},\"pagination_meta\":{\"page_size\":100");
        if (page < pages) {
            b.append(",\"after\":\"").append(CURSOR_PREFIX).append(page + 1).append('"');
        }
        return new Answer(200, b.append("}}").toString());
    }

    static String entry(String schedule, int page, Instant start, Instant end, String userId, String name, String email) {
        return "{\"start_at\":\"" + start + "\",\"end_at\":\"" + end + "\",\"entry_id\":\"sim-" + schedule + "-" + page
                + "\",\"fingerprint\":\"fp-" + schedule + "-" + page + "\",\"rotation_id\":\"01SIMROTATION0000000000001\","
                + "\"layer_id\":\"01SIMLAYER0000000000000001\",\"user\":{\"id\":\"" + userId + "\",\"name\":\"" + name
                + "\",\"email\":\"" + email + "\"}}";
    }

    /** The generated account, renewed (same schedules, shifts moved) once its shifts are 6 h old. */
    Generated generated() {
        Generated g = generated;
        if (g != null && Instant.now().isAfter(g.anchor.plus(6, ChronoUnit.HOURS))) {
            synchronized (this) {
                if (generated == g) {
                    generated = new Generated(g.count, user, Instant.now());
                }
                g = generated;
            }
        }
        return g;
    }

    static Integer pageSize(Map<String, String> query) {
        try {
            int size = Integer.parseInt(query.getOrDefault("page_size", "25"));
            return size < 1 || size > MAX_PAGE_SIZE ? null : size;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    Answer generatedSchedules(Map<String, String> query) {
        Generated g = generated();
        Integer size = pageSize(query);
        if (size == null) {
            return error(422, "validation_error", "invalid_value", "page_size must be between 1 and " + MAX_PAGE_SIZE);
        }
        int from = 0; // index of the first schedule of the page (schedule from + 1)
        String after = query.get("after");
        if (after != null && !after.isEmpty()) {
            from = g.number(after);
            if (from < 1) {
                return error(422, "validation_error", "invalid_value", "after is not a schedule id");
            }
        }
        int to = Math.min(g.count, from + size);
        boolean next = size <= 25;
        StringBuilder b = new StringBuilder(Math.max(64, (to - from) * 1400)).append("{\"schedules\":[");
        for (int n = from + 1; n <= to; n++) {
            b.append(n > from + 1 ? "," : "").append(g.schedule(n, next));
        }
        b.append("],\"pagination_meta\":{\"page_size\":").append(size).append(",\"total_record_count\":").append(g.count);
        if (to < g.count) {
            b.append(",\"after\":\"").append(Generated.id(to)).append('"');
        }
        return new Answer(200, b.append("}}").toString());
    }

    Answer generatedEntries(Map<String, String> query) {
        Generated g = generated();
        String id = query.get("schedule_id");
        int n = id == null ? 0 : g.number(id);
        if (n < 1) {
            return error(404, "not_found", "not_found", "Schedule not found");
        }
        Instant from;
        Instant to;
        try {
            from = Instant.parse(query.getOrDefault("entry_window_start", ""));
            to = Instant.parse(query.getOrDefault("entry_window_end", ""));
        } catch (DateTimeParseException e) {
            return error(422, "validation_error", "invalid_value", "entry_window_start and entry_window_end must be times");
        }
        List<String> shifts = new ArrayList<>();
        if (g.currentStart.isBefore(to) && g.currentEnd.isAfter(from)) {
            shifts.add(g.current(n));
        }
        if (g.currentEnd.isBefore(to) && g.nextEnd.isAfter(from)) {
            shifts.add(g.next(n));
        }
        String list = "[" + String.join(",", shifts) + "]";
        return new Answer(200, "{\"schedule_entries\":{\"scheduled\":" + list + ",\"overrides\":[],\"final\":" + list
                + "},\"pagination_meta\":{\"page_size\":100}}");
    }

    /**
     * N schedules of incident.io's shape. Shifts are fixed for the account's life: the current one covers
     * [anchor - 1 h, anchor + 7 h), the next one the following 8 h (stable fingerprints, as a real rota).
     */
    static final class Generated {
        final int count;
        final String benchUser;
        final Instant anchor;
        final Instant currentStart;
        final Instant currentEnd;
        final Instant nextEnd;

        Generated(int count, String benchUser, Instant now) {
            this.count = count;
            this.benchUser = benchUser;
            this.anchor = now.truncatedTo(ChronoUnit.SECONDS);
            this.currentStart = anchor.minus(1, ChronoUnit.HOURS);
            this.currentEnd = anchor.plus(7, ChronoUnit.HOURS);
            this.nextEnd = currentEnd.plus(8, ChronoUnit.HOURS);
        }

        static String pad(String prefix, int n) {
            String digits = Integer.toString(n);
            return prefix + "0".repeat(Math.max(0, ID_LENGTH - prefix.length() - digits.length())) + digits;
        }

        static String id(int n) {
            return pad(GENERATED_PREFIX, n);
        }

        /** 1..count for a generated id, else 0. */
        int number(String id) {
            if (id.length() != ID_LENGTH || !id.startsWith(GENERATED_PREFIX)) {
                return 0;
            }
            try {
                int n = Integer.parseInt(id.substring(GENERATED_PREFIX.length()));
                return n >= 1 && n <= count && id.equals(id(n)) ? n : 0;
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        String rotation(int n) {
            return pad("01SCALEROT", n);
        }

        String layer(int n) {
            return pad("01SCALELAY", n);
        }

        /** The user on call now in schedule n: the bench user only in the last one. */
        String currentUser(int n) {
            return n == count ? user(BENCH_USER_ID, "Bench User", benchUser)
                    : user(pad("01SCALEUSER", n), "On-call " + n, "oncall-" + n + "@example.com");
        }

        String nextUser(int n) {
            return user(pad("01SCALENEXT", n), "Next on-call " + n, "oncall-next-" + n + "@example.com");
        }

        static String user(String id, String name, String email) {
            return "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"email\":\"" + email + "\",\"role\":\"responder\"}";
        }

        String shift(int n, Instant start, Instant end, String user, String which) {
            return "{\"start_at\":\"" + start + "\",\"end_at\":\"" + end + "\",\"entry_id\":\"" + pad("01SCALE" + which, n)
                    + "\",\"fingerprint\":\"fp-" + id(n) + "-" + which.toLowerCase() + "-" + start.getEpochSecond()
                    + "\",\"rotation_id\":\"" + rotation(n)
                    + "\",\"layer_id\":\"" + layer(n) + "\",\"user\":" + user + "}";
        }

        String current(int n) {
            return shift(n, currentStart, currentEnd, currentUser(n), "CUR");
        }

        String next(int n) {
            return shift(n, currentEnd, nextEnd, nextUser(n), "NXT");
        }

        String schedule(int n, boolean withNext) {
            String id = id(n);
            Instant created = Instant.parse("2025-01-06T09:00:00Z");
            return "{\"id\":\"" + id + "\",\"name\":\"Scale schedule " + n + "\",\"timezone\":\"Europe/London\","
                    + "\"team_ids\":[],\"annotations\":{},\"permalink\":\"https://app.incident.io/sim/on-call/schedules/" + id + "\","
                    + "\"created_at\":\"" + created + "\",\"updated_at\":\"" + created.plus(n, ChronoUnit.MINUTES) + "\","
                    + "\"config\":{\"rotations\":[{\"id\":\"" + rotation(n) + "\",\"name\":\"Rotation " + n + "\","
                    + "\"layers\":[{\"id\":\"" + layer(n) + "\",\"name\":\"Layer 1\"}],"
                    + "\"users\":[" + currentUser(n) + "," + nextUser(n) + "],"
                    + "\"handover_start_at\":\"" + currentStart + "\","
                    + "\"handovers\":[{\"interval\":8,\"interval_type\":\"hourly\"}],\"working_intervals\":[]}]},"
                    + "\"current_shifts\":[" + current(n) + "],\"next_shifts\":[" + (withNext ? next(n) : "") + "]}";
        }
    }

    static Answer error(int status, String type, String code, String message) {
        return new Answer(status, problem(status, type, code, message));
    }

    static String problem(int status, String type, String code, String message) {
        return "{\"type\":\"" + type + "\",\"status\":" + status + ",\"request_id\":\"sim-" + status + "\",\"errors\":[{\"code\":\""
                + code + "\",\"message\":\"" + message + "\"}]}";
    }

    Answer admin(String method, String path, Map<String, String> query) {
        switch (method + " " + path) {
            case "GET /__stats":
                return new Answer(200, stats());
            case "POST /__reset":
                reset();
                return new Answer(200, stats());
            case "POST /__config":
                if (query.containsKey("delayMs")) {
                    delayMs = Long.parseLong(query.get("delayMs"));
                }
                if (query.containsKey("rateLimit")) {
                    rateLimit = Integer.parseInt(query.get("rateLimit"));
                    resetRates();
                }
                if (query.containsKey("rateModel")) {
                    rateModel = checkRateModel(query.get("rateModel"));
                    resetRates();
                }
                if (query.containsKey("schedules")) {
                    int n = Integer.parseInt(query.get("schedules"));
                    generated = n > 0 ? new Generated(n, user, Instant.now()) : null;
                }
                return new Answer(200, config());
            default:
                return error(404, "not_found", "not_found", "Unknown admin path");
        }
    }

    String config() {
        Generated g = generated;
        return "{\"delayMs\":" + delayMs + ",\"rateLimit\":" + rateLimit + ",\"rateModel\":\"" + rateModel
                + "\",\"generatedSchedules\":" + (g == null ? 0 : g.count) + "}";
    }

    void resetRates() {
        synchronized (windows) {
            windows.clear();
        }
        synchronized (buckets) {
            buckets.clear();
        }
    }

    void reset() {
        requests.clear();
        requestsByKey.clear();
        requestsByKeyEndpoint.clear();
        entries.clear();
        rateLimitedByKey.clear();
        rateLimited.reset();
        resetRates();
        maxInFlight.set(inFlight.get());
        since.set(System.currentTimeMillis());
    }

    String stats() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"since\":\"").append(Instant.ofEpochMilli(since.get())).append("\",");
        Generated g = generated;
        b.append("\"delayMs\":").append(delayMs).append(",\"rateLimit\":").append(rateLimit)
                .append(",\"rateModel\":\"").append(rateModel).append("\",\"generatedSchedules\":").append(g == null ? 0 : g.count)
                .append(",\"now\":\"").append(Instant.now()).append("\",");
        b.append("\"requests\":{");
        appendCounts(b, new TreeMap<>(requests));
        b.append("},\"requestsByKey\":{");
        appendCounts(b, new TreeMap<>(requestsByKey));
        b.append("},\"requestsByKeyEndpoint\":{");
        boolean firstOfKeys = true;
        for (var byKey : new TreeMap<>(requestsByKeyEndpoint).entrySet()) {
            b.append(firstOfKeys ? "" : ",").append(json(byKey.getKey())).append(":{");
            firstOfKeys = false;
            appendCounts(b, new TreeMap<>(byKey.getValue()));
            b.append('}');
        }
        b.append("},\"scheduleEntries\":{");
        boolean firstKey = true;
        for (var byKey : new TreeMap<>(entries).entrySet()) {
            b.append(firstKey ? "" : ",").append(json(byKey.getKey())).append(":{");
            firstKey = false;
            boolean firstSchedule = true;
            for (var bySchedule : new TreeMap<>(byKey.getValue()).entrySet()) {
                b.append(firstSchedule ? "" : ",").append(json(bySchedule.getKey())).append(":{");
                firstSchedule = false;
                Map<String, LongAdder> pages = new TreeMap<>();
                bySchedule.getValue().forEach((page, n) -> pages.put(Integer.toString(page), n));
                appendCounts(b, pages);
                b.append('}');
            }
            b.append('}');
        }
        b.append("},\"rateLimited\":").append(rateLimited.sum()).append(",\"rateLimitedByKey\":{");
        appendCounts(b, new TreeMap<>(rateLimitedByKey));
        b.append("},\"inFlight\":").append(inFlight.get()).append(",\"maxInFlight\":").append(maxInFlight.get());
        return b.append('}').toString();
    }

    static void appendCounts(StringBuilder b, Map<String, LongAdder> counts) {
        boolean first = true;
        for (var e : counts.entrySet()) {
            b.append(first ? "" : ",").append(json(e.getKey())).append(':').append(e.getValue().sum());
            first = false;
        }
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }
}
