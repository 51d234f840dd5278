package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParseException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.PaginationMeta;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleEntries;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleEntriesPage;
import io.oncallapprover.incidentio.IncidentIoException.Kind;
import io.oncallapprover.testsupport.MutableClock;
import io.smallrye.mutiny.Uni;

/** The client without the network: error classification and pagination, against a fake API. */
class IncidentIoClientTest {

    private static final ApiKey KEY = new ApiKey("inc_unit_test_key_0001");
    private static final Instant FROM = Instant.parse("2026-03-04T12:00:00Z");
    private static final Instant TO = FROM.plusSeconds(60);

    /** Pages by the cursor asked for ({@code entry_window_start}); records every cursor asked. */
    private final Map<String, Uni<ScheduleEntriesPage>> pages = new java.util.HashMap<>();
    private final List<String> asked = new ArrayList<>();

    private IncidentIoClient client() {
        IncidentIoApi api = (IncidentIoApi) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { IncidentIoApi.class }, (proxy, method, args) -> {
                    if (!method.getName().equals("scheduleEntries")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    String cursor = (String) args[2];
                    asked.add(cursor);
                    return pages.getOrDefault(cursor, Uni.createFrom().failure(new IllegalStateException("no page " + cursor)));
                });
        KeyCircuitBreaker breaker = new KeyCircuitBreaker();
        breaker.config = new BreakerConfig() {
            public boolean enabled() {
                return false;
            }

            public int failureThreshold() {
                return 5;
            }

            public Duration openFor() {
                return Duration.ofSeconds(5);
            }
        };
        return new IncidentIoClient(api, config(), new MutableClock(), new SimpleMeterRegistry(), breaker, budgets(false, 1200, 20));
    }

    /** A budget of {@code perMinute} calls with {@code burst} at once (off: no limit). */
    static KeyBudgets budgets(boolean enabled, int perMinute, int burst) {
        KeyBudgets budgets = new KeyBudgets();
        budgets.meters = new SimpleMeterRegistry();
        budgets.share = () -> 1.0;
        budgets.config = (BudgetConfig) java.lang.reflect.Proxy.newProxyInstance(BudgetConfig.class.getClassLoader(),
                new Class<?>[] { BudgetConfig.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "enabled" -> enabled;
                    case "perMinute" -> perMinute;
                    case "burst" -> burst;
                    case "maxConcurrent" -> 8;
                    case "maxWaiting" -> 64;
                    case "fanOut" -> 4;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return budgets;
    }

    private static IncidentIoConfig config() {
        return new IncidentIoConfig() {
            public int schedulePageSize() {
                return 10000;
            }

            public Duration listTimeout() {
                return Duration.ofSeconds(2);
            }

            public Duration requestTimeout() {
                return Duration.ofSeconds(1);
            }

            public Duration readBudget() {
                return Duration.ofSeconds(2);
            }

            public Duration writeTimeout() {
                return Duration.ofSeconds(1);
            }

            public int maxAttempts() {
                return 1;
            }

            public Duration backoff() {
                return Duration.ofMillis(1);
            }

            public Duration maxRetryWait() {
                return Duration.ofMillis(10);
            }

            public int pageSize() {
                return 100;
            }

            public int maxPages() {
                return 5;
            }

            public Duration entryWindow() {
                return Duration.ofMinutes(1);
            }

            public String customFieldName() {
                return "On-call approver schedules";
            }

            public String scheduleCatalogTypeName() {
                return "Schedule";
            }
        };
    }

    private static Entry entry(String email) {
        return new Entry(FROM.minusSeconds(60), FROM.plusSeconds(3600), "e-" + email, "fp-" + email, "rot", "layer",
                new IncidentIoDtos.User("u-" + email, email, email));
    }

    private void page(String cursor, String next, Entry... entries) {
        pages.put(cursor, Uni.createFrom().item(new ScheduleEntriesPage(new ScheduleEntries(List.of(), List.of(), List.of(entries)),
                next == null ? null : new PaginationMeta(next, null, 100, null))));
    }

    private List<Entry> fetch() {
        return client().finalEntries(KEY, "01SCHED", FROM, TO).await().atMost(Duration.ofSeconds(5));
    }

    private IncidentIoException failure() {
        try {
            fetch();
        } catch (IncidentIoException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void followsEveryPageMovingTheCursorIntoTheWindowStart() {
        page(FROM.toString(), "c2", entry("a@x.io"));
        page("c2", "c3", entry("b@x.io"));
        page("c3", null, entry("c@x.io"));
        assertThat(fetch()).extracting(e -> e.user().email()).containsExactly("a@x.io", "b@x.io", "c@x.io");
        assertThat(asked).containsExactly(FROM.toString(), "c2", "c3");
    }

    @Test
    void aCursorPointingToItsOwnPageIsMalformedNotTheEnd() {
        page(FROM.toString(), "c2", entry("a@x.io"));
        page("c2", "c2", entry("b@x.io"));
        assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
        assertThat(asked).containsExactly(FROM.toString(), "c2");
    }

    @Test
    void aCursorLoopIsMalformed() {
        page(FROM.toString(), "c2");
        page("c2", "c3");
        page("c3", "c2");
        assertThat(failure()).satisfies(e -> {
            assertThat(e.kind()).isEqualTo(Kind.MALFORMED);
            assertThat(e.getMessage()).contains("01SCHED").contains("repeats");
        });
    }

    @Test
    void aCursorBackToTheFirstWindowStartIsMalformed() {
        page(FROM.toString(), FROM.toString(), entry("a@x.io"));
        assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
    }

    @Test
    void endlessCursorsStopAtTheBoundOnPages() {
        page(FROM.toString(), "p2");
        for (int i = 2; i <= 10; i++) {
            page("p" + i, "p" + (i + 1));
        }
        assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
        assertThat(asked).hasSize(5);
    }

    @Test
    void aFetchNobodyWantsStopsBeforeItsNextPage() {
        page(FROM.toString(), "c2", entry("a@x.io"));
        page("c2", null, entry("b@x.io"));
        AtomicBoolean wanted = new AtomicBoolean(false);
        assertThatThrownBy(() -> client().finalEntries(KEY, "01SCHED", FROM, TO, wanted::get, KeyBudgets.Priority.INTERACTIVE).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(IncidentIoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.ABANDONED));
        assertThat(asked).containsExactly(FROM.toString());
    }

    @Test
    void aPageWithoutTheFinalListOrAnEntryWithoutTimesIsMalformed() {
        pages.put(FROM.toString(), Uni.createFrom().item(new ScheduleEntriesPage(null, null)));
        assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
        pages.put(FROM.toString(), Uni.createFrom().item(new ScheduleEntriesPage(new ScheduleEntries(List.of(), List.of(),
                List.of(new Entry(null, TO, "e", "fp", "r", "l", null))), null)));
        assertThat(failure().kind()).isEqualTo(Kind.MALFORMED);
    }

    @Test
    void aFailureOnALaterPageFailsTheWholeFetch() {
        page(FROM.toString(), "c2", entry("a@x.io"));
        pages.put("c2", Uni.createFrom().failure(new IncidentIoException(Kind.SERVER_ERROR, 502, "bad gateway", null, null, null)));
        assertThat(failure().kind()).isEqualTo(Kind.SERVER_ERROR);
    }

    @Test
    void failuresAreClassifiedByType() {
        assertThat(IncidentIoClient.classify(new TimeoutException()).kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(IncidentIoClient.classify(new java.net.SocketTimeoutException()).kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(IncidentIoClient.classify(new RuntimeException(new io.netty.handler.timeout.ReadTimeoutException()))
                .kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(IncidentIoClient.classify(new RuntimeException(new JsonParseException(null, "bad")))
                .kind()).isEqualTo(Kind.MALFORMED);
        assertThat(IncidentIoClient.classify(new ConnectException("refused")).kind()).isEqualTo(Kind.NETWORK);
        // A class whose name merely mentions a timeout is not one.
        class TimeoutLookingException extends RuntimeException {
        }
        assertThat(IncidentIoClient.classify(new TimeoutLookingException()).kind()).isEqualTo(Kind.NETWORK);
        IncidentIoException known = new IncidentIoException(Kind.RATE_LIMITED, 429, "slow down", Duration.ofSeconds(3), "r1", null);
        assertThat(IncidentIoClient.classify(known)).isSameAs(known);
        assertThat(IncidentIoClient.classify(new RuntimeException(known))).isSameAs(known);
        assertThat(Optional.of(known).flatMap(IncidentIoException::retryAfter)).hasValue(Duration.ofSeconds(3));
    }
}
