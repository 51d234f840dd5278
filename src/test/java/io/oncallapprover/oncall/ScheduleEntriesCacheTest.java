package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoConfig;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.User;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.incidentio.KeyBudgets;
import io.oncallapprover.testsupport.MutableClock;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/** The shared, cancel-safe cache of schedule entries, with a fake client and an injected clock. */
class ScheduleEntriesCacheTest {

    private static final Instant NOW = Instant.parse("2026-03-04T12:00:00Z");
    private static final ApiKey KEY = new ApiKey("inc_cache_test_key_0001");

    /** Parks every fetch until the test answers it; records whether the fetch is still wanted. */
    static final class ParkedClient extends IncidentIoClient {

        final List<UniEmitter<? super List<Entry>>> parked = new ArrayList<>();
        final List<BooleanSupplier> wanted = new ArrayList<>();
        final List<KeyBudgets.Priority> priorities = new ArrayList<>();

        ParkedClient() {
            super(null, null, null, null, null, null);
        }

        @Override
        public Uni<List<Entry>> finalEntries(ApiKey key, String scheduleId, Instant from, Instant to, BooleanSupplier stillWanted,
                KeyBudgets.Priority priority) {
            wanted.add(stillWanted);
            priorities.add(priority);
            return Uni.createFrom().emitter(parked::add);
        }
    }

    private final MutableClock clock = new MutableClock();
    private final ParkedClient client = new ParkedClient();
    private ScheduleEntriesCache cache;

    @BeforeEach
    void cache() {
        clock.set(NOW);
        cache = new ScheduleEntriesCache();
        cache.client = client;
        cache.clock = clock;
        cache.listCache = new ScheduleListCache();
        cache.listCache.clock = clock;
        cache.incidentIo = (IncidentIoConfig) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { IncidentIoConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "entryWindow" -> Duration.ofMinutes(1);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        cache.config = new OnCallConfig() {
            public Duration staleness() {
                return Duration.ofSeconds(10);
            }

            public Duration deadline() {
                return Duration.ofSeconds(30);
            }

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
    }

    private static List<Entry> entries(String email) {
        return List.of(new Entry(NOW.minusSeconds(60), NOW.plusSeconds(3600), "e", "fp", "rot", "layer", new User("u", email, email)));
    }

    private CompletableFuture<ScheduleEntriesCache.FetchedEntries> ask(String scheduleId) {
        return cache.entries("acme", KEY, scheduleId, NOW).subscribe().asCompletionStage();
    }

    @Test
    void concurrentCallersShareOneFetchAndOneGivingUpDoesNotCancelIt() {
        var first = ask("S");
        var second = ask("S");
        assertThat(client.parked).hasSize(1);
        first.cancel(true);
        assertThat(client.wanted.get(0).getAsBoolean()).as("still wanted by the second caller").isTrue();
        client.parked.get(0).complete(entries("ada@example.com"));
        assertThat(second.join().entries()).extracting(ScheduleEntry::email).containsExactly("ada@example.com");
    }

    @Test
    void whenEveryCallerGivesUpTheFetchIsNoLongerWanted() {
        var first = ask("S");
        var second = ask("S");
        first.cancel(true);
        second.cancel(true);
        assertThat(client.wanted.get(0).getAsBoolean()).isFalse();
        // A new caller does not join an abandoned fetch: it starts its own.
        ask("S");
        assertThat(client.parked).hasSize(2);
        assertThat(client.wanted.get(1).getAsBoolean()).isTrue();
    }

    @Test
    void anAnswerServesForTheStalenessBoundThenIsFetchedAgain() {
        var first = ask("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        clock.advance(Duration.ofSeconds(9));
        assertThat(ask("S").join().entries()).hasSize(1);
        assertThat(client.parked).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        ask("S");
        assertThat(client.parked).hasSize(2);
    }

    @Test
    void failuresAreNotCached() {
        var first = ask("S");
        client.parked.get(0).fail(IncidentIoException.of(IncidentIoException.Kind.SERVER_ERROR, "boom"));
        assertThat(first).isCompletedExceptionally();
        ask("S");
        assertThat(client.parked).hasSize(2);
    }

    @Test
    void anUnknownScheduleMeansNobodyIsOnCall() {
        var first = ask("S");
        client.parked.get(0).fail(IncidentIoException.of(IncidentIoException.Kind.NOT_FOUND, "no such schedule"));
        assertThat(first.join().entries()).isEmpty();
    }

    private CompletableFuture<ScheduleEntriesCache.FetchedEntries> askNow(String scheduleId) {
        return cache.entries("acme", KEY, scheduleId, clock.instant()).subscribe().asCompletionStage();
    }

    private static List<String> emails(CompletableFuture<ScheduleEntriesCache.FetchedEntries> answer) {
        return answer.join().entries().stream().map(ScheduleEntry::email).toList();
    }

    @Test
    void aScheduleAskedForIsRefreshedAheadSoChecksNeverWaitForAnExpiry() {
        var first = askNow("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        clock.advance(Duration.ofMillis(6_999));
        assertThat(cache.refreshAhead()).as("not yet due: 3 s before the 10 s bound").isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(cache.refreshAhead()).isEqualTo(1);
        assertThat(cache.refreshAhead()).as("one refresh at a time").isZero();
        assertThat(client.priorities).containsExactly(KeyBudgets.Priority.INTERACTIVE, KeyBudgets.Priority.BACKGROUND);
        // Until the refresh is in, the old entries answer; no caller fetches.
        assertThat(emails(askNow("S"))).containsExactly("ada@example.com");
        client.parked.get(1).complete(entries("grace@example.com"));
        clock.advance(Duration.ofSeconds(5)); // past the first fetch's bound: the refreshed entries answer
        assertThat(emails(askNow("S"))).containsExactly("grace@example.com");
        assertThat(client.parked).hasSize(2);
    }

    @Test
    void aFailedRefreshNeverServesEntriesPastTheirBound() {
        var first = askNow("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        clock.advance(Duration.ofSeconds(7));
        cache.refreshAhead();
        client.parked.get(1).fail(IncidentIoException.of(IncidentIoException.Kind.SERVER_ERROR, "refresh failed"));
        clock.advance(Duration.ofMillis(2_999));
        assertThat(emails(askNow("S"))).containsExactly("ada@example.com");
        assertThat(client.parked).hasSize(2);
        clock.advance(Duration.ofMillis(1)); // the bound: 10 s after the fetch
        var late = askNow("S");
        assertThat(client.parked).as("a caller fetches: the old entries no longer answer").hasSize(3);
        assertThat(late).isNotDone();
        client.parked.get(2).fail(IncidentIoException.of(IncidentIoException.Kind.TIMEOUT, "still down"));
        assertThat(late).isCompletedExceptionally();
    }

    @Test
    void aRefreshStillUnderWayAtTheBoundDoesNotKeepTheOldEntriesAlive() {
        var first = askNow("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        clock.advance(Duration.ofSeconds(7));
        cache.refreshAhead();
        clock.advance(Duration.ofSeconds(3));
        var late = askNow("S");
        assertThat(client.parked).hasSize(3);
        assertThat(late).isNotDone();
    }

    @Test
    void aRefreshOfInvalidatedEntriesIsDropped() {
        var first = askNow("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        clock.advance(Duration.ofSeconds(7));
        cache.refreshAhead();
        cache.invalidateOrg("acme").await().indefinitely();
        client.parked.get(1).complete(entries("old-key@example.com"));
        askNow("S");
        assertThat(client.parked).as("fetched anew, not answered by the refresh begun before").hasSize(3);
    }

    @Test
    void aScheduleNobodyAsksForStopsBeingRefreshedAfterTheIdleTime() {
        var first = askNow("S");
        client.parked.get(0).complete(entries("ada@example.com"));
        first.join();
        java.time.Instant askedAt = clock.instant();
        java.time.Instant lastRefresh = null;
        for (int second = 1; second <= 400; second++) {
            clock.advance(Duration.ofSeconds(1));
            int parked = client.parked.size();
            if (cache.refreshAhead() > 0) {
                lastRefresh = clock.instant();
                client.parked.get(parked).complete(entries("ada@example.com"));
            }
        }
        assertThat(lastRefresh).isNotNull();
        assertThat(lastRefresh).isBefore(askedAt.plus(Duration.ofMinutes(5)));
        assertThat(lastRefresh).isAfter(askedAt.plus(Duration.ofMinutes(4)));
    }
}
