package io.oncallapprover.delivery;

import java.time.Duration;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.delivery.DestinationTurns.Stored;
import io.oncallapprover.delivery.DestinationTurns.Turn;
import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.queue.LeasedQueue;
import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Delivers request events to destinations. Every {@code oncall.events.deliver-every}, each replica drains the
 * destinations as a leased queue ({@link LeasedQueue}; the SQL and the turn are {@link DestinationTurns}): it claims
 * those that have events past their cursor and are due (rows another replica locked skipped, a lease with an
 * owner token that fences every later write), and sends each its events in sequence order, one at a time, side by side
 * across destinations:
 * <ul>
 * <li>an event of a type the destination does not take is passed over;</li>
 * <li>an event older than {@code retry-for} is given up (counted, shown on the destination);</li>
 * <li>otherwise the attempt is counted (renewing the lease), then the event sent; a 2xx moves the cursor past it,
 * anything else leaves the cursor on it and sets the next attempt after a doubling back-off.</li>
 * </ul>
 * A replica whose lease lapsed (and was taken over) changes nothing. Leases are given back on shutdown; a killed
 * replica's lapse after {@code delivery-lease}. Since the cursor moves only after the answer, a crash anywhere
 * re-sends at most the event in flight: at least once, in order.
 */
@ApplicationScoped
public class EventDelivery {

    private static final Logger LOG = Logger.getLogger(EventDelivery.class);

    @Inject
    EventsConfig config;

    @Inject
    EventSender sender;

    @Inject
    SecretCipher cipher;

    @Inject
    LeasedQueues queues;

    /** What a lease keeps beyond the delivery in flight: the writes that record it. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(2);

    private LeasedQueue<Turn> queue;

    @PostConstruct
    void makeQueue() {
        queue = queues.of(handler());
    }

    /** The queue's handler, its call this bean's send (tests work it as a second replica). */
    QueueHandler<Turn> handler() {
        return new DestinationTurns(config, this::send);
    }

    @Scheduled(every = "${oncall.events.deliver-every:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deliverScheduled() {
        return deliverDue().onFailure().recoverWithItem(failure -> {
            LOG.warnf("delivering events failed: %s", failure.getMessage());
            return 0;
        }).replaceWithVoid();
    }

    /** Claims the due destinations and delivers to each (concurrently across destinations); answers how many events went out. */
    public Uni<Integer> deliverDue() {
        return queue.drain().map(LeasedQueue.Drained::succeeded);
    }

    /** One call: signs and sends one event; anything but a 2xx fails it. */
    private Uni<String> send(Turn turn, Stored event) {
        SigningSecret secret;
        try {
            secret = SigningSecret.parse(cipher.decrypt(turn.secretCiphertext(), EventDestination.secretContext(turn.orgId(),
                    turn.id()))).orElseThrow(() -> new IllegalStateException("the stored secret is not a whsec_ secret"));
        } catch (RuntimeException unreadable) {
            return Uni.createFrom().failure(new DestinationTurns.Refused("the signing secret cannot be read: "
                    + unreadable.getMessage()));
        }
        return sender.send(turn.url(), secret, event.id(), event.body())
                .flatMap(outcome -> outcome.delivered() ? Uni.createFrom().item("delivered event " + event.seq())
                        : Uni.createFrom().failure(new DestinationTurns.Refused(outcome.failure())));
    }

    /**
     * A lease too short for one delivery and its bookkeeping would never deliver anything: refused at start. Each
     * attempt renews the lease, so one delivery (at most the timeout) and its writes must fit in it, twice over.
     */
    void onStart(@Observes StartupEvent start) {
        Duration least = config.deliveryTimeout().multipliedBy(2).plus(LEASE_MARGIN);
        if (config.deliveryLease().compareTo(least) < 0) {
            throw new IllegalStateException("oncall.events.delivery-lease (" + config.deliveryLease() + ") must be at least twice"
                    + " oncall.events.delivery-timeout (" + config.deliveryTimeout() + ") plus " + LEASE_MARGIN.toSeconds() + " s");
        }
    }
}
