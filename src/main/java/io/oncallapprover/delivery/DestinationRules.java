package io.oncallapprover.delivery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where events may be sent (pure: no network, no framework). A destination is an {@code https} URL to a
 * public address; the hosts an operator trusts ({@code oncall.events.trusted-hosts}) may also be reached over
 * plain {@code http} and on private addresses. {@link #target} checks the URL as written; {@link #refusal}
 * checks each address the host resolves to, at registration and again right before every delivery (the
 * address connected to is the one checked, so a name that later resolves elsewhere gets nothing).
 */
public final class DestinationRules {

    /** A URL accepted for delivery: where to connect and what to ask for. */
    public record Target(boolean https, String host, int port, String pathAndQuery, boolean trusted) {
    }

    /** Why a URL or an address is refused (the text ends up in a 422 naming {@code url}). */
    public static final class Refused extends RuntimeException {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    public static final int MAX_URL_LENGTH = 2048;

    private DestinationRules() {
    }

    /**
     * The URL, checked as written: absolute, {@code https} (or {@code http} to a trusted host), a host, no user
     * information, no fragment. {@code trustedHosts} holds lower-case host names and IP literals.
     */
    public static Target target(String url, Set<String> trustedHosts) {
        if (url == null || url.isBlank()) {
            throw new Refused("is required");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new Refused("is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new Refused("is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http"))) {
            throw new Refused("must be an https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("must not carry a user name or password");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("must not have a fragment");
        }
        String host = uri.getHost();
        if (host == null) {
            throw new Refused("must name a host");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) { // an IPv6 literal, whose brackets URI keeps
            host = host.substring(1, host.length() - 1);
        }
        boolean trusted = isTrusted(host, trustedHosts);
        if (scheme.equals("http") && !trusted) {
            throw new Refused("must be an https URL (plain http only to a trusted host)");
        }
        int port = uri.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return new Target(scheme.equals("https"), host, port, pathAndQuery, trusted);
    }

    /** Whether {@code host} (a lower-case name or IP literal) is one the operator trusts. */
    static boolean isTrusted(String host, Set<String> trustedHosts) {
        if (trustedHosts.contains(host)) {
            return true;
        }
        // An IP literal matches however it is written (::1 and 0:0:0:0:0:0:0:1 are one address).
        Optional<InetAddress> literal = ipLiteral(host);
        return literal.isPresent() && trustedHosts.stream().map(DestinationRules::ipLiteral)
                .anyMatch(t -> t.isPresent() && t.get().equals(literal.get()));
    }

    /**
     * Why events must not go to {@code address} of an untrusted host, or empty when it is public. Refused:
     * loopback, unspecified, link-local (cloud metadata 169.254.169.254 among them), private (10/8, 172.16/12,
     * 192.168/16, fc00::/7), shared (100.64/10), multicast, reserved and documentation ranges, any IPv6 address
     * outside global unicast (2000::/3), and IPv6 forms that carry one of those IPv4 addresses (mapped,
     * compatible, 6to4, NAT64).
     */
    public static Optional<String> refusal(InetAddress address) {
        if (address instanceof Inet4Address v4) {
            return refusalV4(v4.getAddress());
        }
        byte[] b = address.getAddress();
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return Optional.of("is a loopback or unspecified address");
        }
        // IPv4 inside IPv6 is judged as that IPv4 address: compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and
        // 6to4 (2002:abcd:efgh::). (Java hands an IPv4-mapped ::ffff:a.b.c.d over as an Inet4Address already.)
        if (prefixed(b, COMPATIBLE, 12) || prefixed(b, NAT64, 12)) {
            return carried(b[12], b[13], b[14], b[15]);
        }
        if (prefixed(b, SIX_TO_FOUR, 2)) {
            return carried(b[2], b[3], b[4], b[5]);
        }
        if (prefixed(b, DOCUMENTATION, 4)) {
            return Optional.of("is a documentation address (2001:db8::/32)");
        }
        int first = b[0] & 0xff;
        if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
            return Optional.of("is a link-local address (fe80::/10)");
        }
        if ((first & 0xfe) == 0xfc) {
            return Optional.of("is a private address (unique local, fc00::/7; cloud metadata among them)");
        }
        if (first == 0xff) {
            return Optional.of("is a multicast address");
        }
        if ((first & 0xe0) != 0x20) {
            return Optional.of("is not a global unicast address (2000::/3)");
        }
        return Optional.empty();
    }

    private static final byte[] COMPATIBLE = new byte[12];
    private static final byte[] NAT64 = { 0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
    private static final byte[] SIX_TO_FOUR = { 0x20, 0x02 };
    private static final byte[] DOCUMENTATION = { 0x20, 0x01, 0x0d, (byte) 0xb8 };

    private static boolean prefixed(byte[] address, byte[] prefix, int length) {
        return java.util.Arrays.equals(address, 0, length, prefix, 0, length);
    }

    private static Optional<String> carried(byte a, byte b, byte c, byte d) {
        return refusalV4(new byte[] { a, b, c, d }).map(why -> "carries an IPv4 address that " + why);
    }

    private static Optional<String> refusalV4(byte[] b) {
        int a = b[0] & 0xff;
        int s = b[1] & 0xff;
        int t = b[2] & 0xff;
        if (a == 127 || a == 0) {
            return Optional.of("is a loopback or unspecified address");
        }
        if (a == 169 && s == 254) {
            return Optional.of("is a link-local address (cloud metadata among them)");
        }
        if (a == 10 || a == 172 && (s & 0xf0) == 16 || a == 192 && s == 168) {
            return Optional.of("is a private address");
        }
        if (a == 100 && (s & 0xc0) == 64) {
            return Optional.of("is a shared (carrier-grade NAT) address");
        }
        if (a == 192 && s == 0 && (t == 0 || t == 2) || a == 198 && (s & 0xfe) == 18 || a == 198 && s == 51 && t == 100
                || a == 203 && s == 0 && t == 113 || a == 192 && s == 88 && t == 99) {
            return Optional.of("is a reserved, benchmarking or documentation address");
        }
        if (a >= 224) {
            return Optional.of("is a multicast, reserved or broadcast address");
        }
        return Optional.empty();
    }

    /** The address an IP literal names (never a DNS lookup), or empty for a host name. */
    public static Optional<InetAddress> ipLiteral(String host) {
        String h = host;
        if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            byte[] octets = new byte[4];
            String[] parts = h.split("\\.");
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(parts[i]);
                if (octet > 255) {
                    return Optional.empty();
                }
                octets[i] = (byte) octet;
            }
            try {
                return Optional.of(InetAddress.getByAddress(octets));
            } catch (java.net.UnknownHostException e) {
                return Optional.empty();
            }
        }
        if (!h.contains(":")) {
            return Optional.empty();
        }
        try {
            // With a colon, getByName parses an IPv6 literal, brackets or not (or fails); it never resolves a name.
            return Optional.of(InetAddress.getByName(h));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }
}
