package io.oncallapprover.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.delivery.DestinationRules.Refused;
import io.oncallapprover.delivery.DestinationRules.Target;
import io.oncallapprover.events.EventsConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * {@link DestinationRules} applied with this deployment's trusted hosts and a real name lookup: the address
 * returned is the one to connect to, checked after the lookup (so what the name resolves to at delivery time
 * is what counts, not what it resolved to at registration).
 */
@ApplicationScoped
public class DestinationAddresses {

    @Inject
    EventsConfig config;

    @Inject
    Vertx vertx;

    /** Trusted hosts, lower-case. */
    Set<String> trusted() {
        return config.trustedHosts().orElse(java.util.List.of()).stream().map(String::trim).filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** The URL checked as written (throws {@link Refused}). */
    public Target target(String url) {
        return DestinationRules.target(url, trusted());
    }

    /**
     * Where to connect for {@code target}: its IP literal, or what its name resolves to now (the lookup runs off the
     * event loop). For a host nobody trusts, every address it resolves to must be public, else {@link Refused}.
     */
    public Uni<InetAddress> address(Target target) {
        Optional<InetAddress> literal = DestinationRules.ipLiteral(target.host());
        Uni<InetAddress[]> resolved = literal.isPresent() ? Uni.createFrom().item(new InetAddress[] { literal.get() })
                : vertx.executeBlocking(Uni.createFrom().item(() -> lookUp(target.host())));
        return resolved.map(addresses -> {
            if (!target.trusted()) {
                for (InetAddress address : addresses) {
                    Optional<String> why = DestinationRules.refusal(address);
                    if (why.isPresent()) {
                        throw new Refused("resolves to " + address.getHostAddress() + ", which " + why.get()
                                + "; only trusted hosts may be reached on such addresses");
                    }
                }
            }
            return addresses[0];
        });
    }

    private static InetAddress[] lookUp(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            if (all.length == 0) {
                throw new Refused("names a host that does not resolve");
            }
            return all;
        } catch (UnknownHostException e) {
            throw new Refused("names a host that does not resolve");
        }
    }
}
