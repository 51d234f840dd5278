package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.common.ApiKey;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * {@link OnCallService} asks incident.io for every schedule at once. Proven without timing: the fake cache
 * answers nobody until every schedule has been subscribed to, so a service asking one schedule after another
 * would wait forever for its first answer.
 */
class OnCallServiceConcurrencyTest {

    private static final String ORG = "org_1";
    private static final ApiKey KEY = new ApiKey("inc_test_key_0000");
    private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    private static final Instant NINE = Instant.parse("2026-03-02T09:00:00Z");
    private static final Instant FIVE_PM = Instant.parse("2026-03-02T17:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static ScheduleEntry entry(String email, Instant start, Instant end) {
        return new ScheduleEntry(start, end, "fp-" + email + "-" + start, "rot", "layer", "user-" + email, email, email);
    }

    private static ScheduleEntriesCache.FetchedEntries fetched(String scheduleId, ScheduleEntry... entries) {
        return new ScheduleEntriesCache.FetchedEntries(scheduleId, NOW, NOW.plus(Duration.ofHours(1)), List.of(entries));
    }

    private static OnCallService service(ScheduleEntriesCache cache) {
        OnCallService service = new OnCallService();
        service.entriesCache = cache;
        service.clock = Clock.fixed(NOW, ZoneOffset.UTC);
        service.config = new OnCallConfig() {
            @Override
            public Duration staleness() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Duration deadline() {
                return Duration.ofSeconds(30);
            }

            @Override
            public Duration refreshAhead() {
                return Duration.ofSeconds(3);
            }

            public Duration refreshIdle() {
                return Duration.ofMinutes(5);
            }

            public int maxSchedules() {
                return 100;
            }

            public Source source() {
                return Source.ENTRIES;
            }
        };
        return service;
    }

    /**
     * Answers each schedule with the given entries, but only once {@code expected} schedules have been
     * subscribed to: until then every subscriber is parked.
     */
    static final class BarrierCache extends ScheduleEntriesCache {

        private final int expected;
        private final Map<String, ScheduleEntriesCache.FetchedEntries> answers;
        private final List<UniEmitter<? super ScheduleEntriesCache.FetchedEntries>> parked = new ArrayList<>();
        private final List<String> subscribed = Collections.synchronizedList(new ArrayList<>());
        private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

        BarrierCache(int expected, Map<String, ScheduleEntriesCache.FetchedEntries> answers) {
            this.expected = expected;
            this.answers = answers;
        }

        @Override
        public Uni<FetchedEntries> entries(String orgId, ApiKey key, String scheduleId, Instant at) {
            assertThat(orgId).isEqualTo(ORG);
            assertThat(key).isEqualTo(KEY);
            asked.add(scheduleId);
            return Uni.createFrom().emitter(emitter -> {
                List<Runnable> release = new ArrayList<>();
                synchronized (parked) {
                    subscribed.add(scheduleId);
                    parked.add(emitter);
                    if (parked.size() == expected) {
                        List<String> ids = new ArrayList<>(subscribed);
                        for (int i = 0; i < parked.size(); i++) {
                            UniEmitter<? super FetchedEntries> parkedEmitter = parked.get(i);
                            FetchedEntries answer = answers.get(ids.get(i));
                            release.add(() -> parkedEmitter.complete(answer));
                        }
                    }
                }
                // complete outside the lock: completions run downstream code
                release.forEach(Runnable::run);
            });
        }
    }

    /** Answers each schedule immediately with whatever the function gives. */
    static final class FunctionCache extends ScheduleEntriesCache {

        private final Function<String, Uni<FetchedEntries>> answer;
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        FunctionCache(Function<String, Uni<FetchedEntries>> answer) {
            this.answer = answer;
        }

        @Override
        public Uni<FetchedEntries> entries(String orgId, ApiKey key, String scheduleId, Instant at) {
            calls.computeIfAbsent(scheduleId, id -> new AtomicInteger()).incrementAndGet();
            return answer.apply(scheduleId);
        }
    }

    @Test
    void allSchedulesAreAskedConcurrently() {
        BarrierCache cache = new BarrierCache(3, Map.of(
                "sched-a", fetched("sched-a", entry("alice@example.com", NINE, FIVE_PM)),
                "sched-b", fetched("sched-b", entry("bob@example.com", NINE, FIVE_PM),
                        entry("alice@example.com", FIVE_PM, FIVE_PM.plus(Duration.ofHours(8)))),
                "sched-c", fetched("sched-c", entry("Carol@Example.com", NINE, NOW.plusSeconds(1)),
                        entry("dave@example.com", NINE, NOW))));

        List<OnCallSet> sets = service(cache).onCallNow(ORG, KEY, List.of("sched-b", "sched-c", "sched-a"))
                .await().atMost(WAIT);

        assertThat(cache.subscribed).containsExactlyInAnyOrder("sched-a", "sched-b", "sched-c");
        assertThat(sets).extracting(OnCallSet::scheduleId).containsExactly("sched-b", "sched-c", "sched-a");
        assertThat(sets).extracting(OnCallSet::at).containsOnly(NOW);
        assertThat(sets.get(0).emails()).containsExactly("bob@example.com");
        assertThat(sets.get(1).emails()).containsExactly("carol@example.com");
        assertThat(sets.get(2).emails()).containsExactly("alice@example.com");
        assertThat(sets.get(2).shifts()).allSatisfy(s -> assertThat(s.scheduleId()).isEqualTo("sched-a"));
    }

    @Test
    void oneFailingScheduleFailsTheWholeAnswer() {
        FunctionCache cache = new FunctionCache(id -> id.equals("sched-b")
                ? Uni.createFrom().failure(IncidentIoException.of(IncidentIoException.Kind.SERVER_ERROR, "boom"))
                : Uni.createFrom().item(fetched(id, entry("alice@example.com", NINE, FIVE_PM))));

        Uni<List<OnCallSet>> result = service(cache).onCallNow(ORG, KEY, List.of("sched-a", "sched-b", "sched-c"));

        assertThatThrownBy(() -> result.await().atMost(WAIT))
                .isInstanceOfSatisfying(IncidentIoException.class,
                        e -> assertThat(e.kind()).isEqualTo(IncidentIoException.Kind.SERVER_ERROR));
    }

    @Test
    void aFailureFailsTheAnswerWithoutWaitingForSlowerSchedules() {
        FunctionCache cache = new FunctionCache(id -> id.equals("sched-fails")
                ? Uni.createFrom().failure(IncidentIoException.of(IncidentIoException.Kind.SERVER_ERROR, "boom"))
                : Uni.createFrom().nothing());

        Uni<List<OnCallSet>> result = service(cache).onCallNow(ORG, KEY, List.of("sched-never", "sched-fails"));

        assertThatThrownBy(() -> result.await().atMost(WAIT))
                .isInstanceOfSatisfying(IncidentIoException.class,
                        e -> assertThat(e.kind()).isEqualTo(IncidentIoException.Kind.SERVER_ERROR));
    }

    @Test
    void emptyIdListAnswersEmptyWithoutAskingTheCache() {
        FunctionCache cache = new FunctionCache(id -> {
            throw new AssertionError("cache must not be asked, was asked for " + id);
        });

        List<OnCallSet> sets = service(cache).onCallNow(ORG, KEY, List.of()).await().atMost(WAIT);

        assertThat(sets).isEmpty();
        assertThat(cache.calls).isEmpty();
    }

    @Test
    void duplicateIdsAreAskedOnce() {
        FunctionCache cache = new FunctionCache(
                id -> Uni.createFrom().item(fetched(id, entry(id + "@example.com", NINE, FIVE_PM))));

        List<OnCallSet> sets = service(cache).onCallNow(ORG, KEY, List.of("a", "b", "a", "b", "a"))
                .await().atMost(WAIT);

        assertThat(cache.calls).containsOnlyKeys("a", "b");
        assertThat(cache.calls.get("a")).hasValue(1);
        assertThat(cache.calls.get("b")).hasValue(1);
        assertThat(sets).extracting(OnCallSet::scheduleId).containsExactly("a", "b");
        assertThat(sets.get(0).emails()).containsExactly("a@example.com");
    }

    @Test
    void onCallIsComputedAtTheClocksInstant() {
        FunctionCache cache = new FunctionCache(id -> Uni.createFrom().item(fetched(id,
                entry("before@example.com", NINE, NOW),
                entry("at@example.com", NOW, FIVE_PM))));

        List<OnCallSet> sets = service(cache).onCallNow(ORG, KEY, List.of("s")).await().atMost(WAIT);

        assertThat(sets).singleElement().satisfies(set -> {
            assertThat(set.at()).isEqualTo(NOW);
            assertThat(set.emails()).containsExactly("at@example.com");
        });
    }
}
