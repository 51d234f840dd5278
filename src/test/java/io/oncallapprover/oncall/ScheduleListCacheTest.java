package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.IncidentIoDtos.User;
import io.oncallapprover.incidentio.KeyBudgets;
import io.oncallapprover.testsupport.MutableClock;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The schedule list cache with a fake incident.io that parks every list call and a clock that moves:
 * callers arriving while a list is fetched share that call; a schedule said to have changed during a
 * fetch is not answered from it; admin writes fetch anew and keep nothing refreshed.
 */
class ScheduleListCacheTest {

    private static final Instant T = Instant.parse("2026-03-04T12:00:00Z");
    private static final ApiKey KEY = new ApiKey("inc_list_cache_test_0001");

    /** Parks every list call until the test answers it. */
    static final class ParkedLists extends IncidentIoClient {
        final List<UniEmitter<? super List<Schedule>>> parked = new ArrayList<>();
        final List<KeyBudgets.Priority> priorities = new ArrayList<>();

        ParkedLists() {
            super(null, null, null, null, null, null);
        }

        @Override
        public Uni<List<Schedule>> allSchedules(ApiKey key, KeyBudgets.Priority priority) {
            priorities.add(priority);
            return Uni.createFrom().emitter(parked::add);
        }
    }

    private final MutableClock clock = new MutableClock();
    private final ParkedLists client = new ParkedLists();
    private ScheduleListCache cache;

    @BeforeEach
    void cache() {
        clock.set(T);
        cache = new ScheduleListCache();
        cache.client = client;
        cache.clock = clock;
        cache.config = config(OnCallConfig.Source.LIST);
    }

    /** Staleness 10 s, deadline 30 s, refresh 3 s ahead, idle after 5 min; on-call from {@code source}. */
    private static OnCallConfig config(OnCallConfig.Source source) {
        return new OnCallConfig() {
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
                return source;
            }
        };
    }

    private static List<Schedule> adaOnCallIn(String... ids) {
        List<Schedule> schedules = new ArrayList<>();
        for (String id : ids) {
            schedules.add(new Schedule(id, id, "UTC", null, List.of(new Entry(T.minusSeconds(60), T.plusSeconds(3600), null, "fp",
                    "R", "L", new User("u", "Ada", "ada@example.com")))));
        }
        return schedules;
    }

    private CompletableFuture<ScheduleListCache.Listing> check(String scheduleId) {
        Instant now = clock.instant();
        return cache.listing("acme", KEY, now, l -> l.shifts().answers(scheduleId, now, clock.instant(), Duration.ofSeconds(10)))
                .subscribe().asCompletionStage();
    }

    @Test
    void checksArrivingWhileAListIsFetchedShareThatOneCall() {
        var first = check("S");
        clock.set(T.plusMillis(40)); // later callers, same fetch
        var second = check("S");
        clock.set(T.plusMillis(80));
        var third = check("S");
        assertThat(client.parked).as("one list call for three checks").hasSize(1);
        client.parked.get(0).complete(adaOnCallIn("S"));
        assertThat(first.join()).isSameAs(second.join()).isSameAs(third.join());
        assertThat(third.join().shifts().onCallAt("S", T.plusMillis(80)).emails()).containsExactly("ada@example.com");
        check("S").join();
        assertThat(client.parked).as("then the held list answers").hasSize(1);
    }

    @Test
    void aScheduleSaidToHaveChangedDuringAFetchIsAskedForAgain() {
        var first = check("S");
        clock.set(T.plusMillis(10));
        cache.drop("acme", "S"); // a webhook: S changed after the list was sent
        var second = check("S");
        client.parked.get(0).complete(adaOnCallIn("S", "O"));
        assertThat(first.join().shifts().answers("S", T, T.plusMillis(10), Duration.ofSeconds(10))).isFalse();
        assertThat(client.parked).as("the check that joined asks anew").hasSize(2);
        client.parked.get(1).complete(adaOnCallIn("S", "O"));
        assertThat(second.join().shifts().answers("S", T.plusMillis(10), T.plusMillis(10), Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void anAdminWriteFetchesAnewAndKeepsNoListRefreshed() {
        var write = cache.fresh("acme", KEY).subscribe().asCompletionStage();
        client.parked.get(0).complete(adaOnCallIn("S"));
        assertThat(write.join().schedules()).containsKey("S");
        var again = cache.fresh("acme", KEY).subscribe().asCompletionStage();
        assertThat(client.parked).as("never the held list").hasSize(2);
        client.parked.get(1).complete(adaOnCallIn("S"));
        again.join();
        clock.set(T.plusSeconds(8)); // past refresh-ahead's due time
        assertThat(cache.refreshAhead()).as("writes alone refresh nothing").isZero();
        assertThat(client.parked).hasSize(2);
    }

    @Test
    void aListAskedForIsRefreshedInTheBackgroundAndForgottenWhenIdle() {
        var first = check("S");
        client.parked.get(0).complete(adaOnCallIn("S"));
        first.join();
        clock.set(T.plusSeconds(7));
        assertThat(cache.refreshAhead()).isEqualTo(1);
        assertThat(client.priorities).containsExactly(KeyBudgets.Priority.INTERACTIVE, KeyBudgets.Priority.BACKGROUND);
        client.parked.get(1).complete(adaOnCallIn("S"));
        clock.set(T.plus(Duration.ofMinutes(6)));
        assertThat(cache.refreshAhead()).as("idle: dropped, not refreshed").isZero();
        check("S");
        assertThat(client.parked).as("asked again: fetched anew").hasSize(3);
    }

    @Test
    void aWarmedListIsTheOneTheCheckThatFollowsJoins() {
        cache.warm("acme", KEY); // the snapshot read found the key
        assertThat(client.parked).as("the call starts at once").hasSize(1);
        clock.set(T.plusMillis(5)); // the policy read, then the check
        var check = check("S");
        assertThat(client.parked).as("the check joins it").hasSize(1);
        client.parked.get(0).complete(adaOnCallIn("S"));
        assertThat(check.join().shifts().onCallAt("S", T.plusMillis(5)).emails()).containsExactly("ada@example.com");
        cache.warm("acme", KEY);
        assertThat(client.parked).as("a fresh list held: warming asks nothing").hasSize(1);
        clock.set(T.plusSeconds(11));
        cache.warm("acme", KEY);
        assertThat(client.parked).as("stale: warmed again").hasSize(2);
    }

    @Test
    void warmingAloneKeepsNothingRefreshedAndAFailureIsNotKept() {
        cache.warm("acme", KEY);
        client.parked.get(0).fail(new IllegalStateException("incident.io down"));
        var check = check("S");
        assertThat(client.parked).as("the failed warm-up is not the check's answer: it asks again").hasSize(2);
        client.parked.get(1).complete(adaOnCallIn("S"));
        check.join();
        cache.warm("other", KEY);
        client.parked.get(2).complete(adaOnCallIn("S"));
        clock.set(T.plusSeconds(8));
        assertThat(cache.refreshAhead()).as("only the organization a check asked for is refreshed").isEqualTo(1);
    }

    @Test
    void warmingDoesNothingWhenOnCallComesFromEntries() {
        cache.config = config(OnCallConfig.Source.ENTRIES);
        cache.warm("acme", KEY);
        assertThat(client.parked).isEmpty();
    }
}
