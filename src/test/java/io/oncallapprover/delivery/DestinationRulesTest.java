package io.oncallapprover.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Where events may be sent, without the network: URLs as written, and addresses against an independent
 * reference model (the special-purpose blocks written out as CIDR ranges) over generated addresses.
 */
class DestinationRulesTest {

    private static final Set<String> TRUSTED = Set.of("approvals.internal", "10.0.0.7", "::1");

    /** Blocks no event may go to unless trusted (IANA special-purpose registry, the ones that matter here). */
    private static final List<String> REFUSED_V4 = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3");

    private static boolean inV4(long ip, String cidr) {
        String[] parts = cidr.split("/");
        long base = toLong(parts[0]);
        int bits = Integer.parseInt(parts[1]);
        long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
        return (ip & mask) == (base & mask);
    }

    private static long toLong(String dotted) {
        long v = 0;
        for (String p : dotted.split("\\.")) {
            v = v << 8 | Integer.parseInt(p);
        }
        return v;
    }

    private static InetAddress v4(long ip) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] { (byte) (ip >> 24), (byte) (ip >> 16), (byte) (ip >> 8), (byte) ip });
    }

    private static boolean modelRefusesV4(long ip) {
        return REFUSED_V4.stream().anyMatch(c -> inV4(ip, c));
    }

    @Test
    void generatedIpv4AddressesAreRefusedExactlyWhenTheReferenceModelSaysSo() throws Exception {
        Random random = new Random(20261207);
        int refused = 0;
        for (int i = 0; i < 200_000; i++) {
            long ip;
            if (i % 2 == 0) { // near a block's edges, where off-by-one masks fail
                String cidr = REFUSED_V4.get(random.nextInt(REFUSED_V4.size()));
                long base = toLong(cidr.split("/")[0]);
                long size = 1L << (32 - Integer.parseInt(cidr.split("/")[1]));
                long[] edges = { base - 1, base, base + size - 1, base + size };
                ip = (edges[random.nextInt(4)] + random.nextInt(3) - 1) & 0xffffffffL;
            } else {
                ip = random.nextLong() & 0xffffffffL;
            }
            boolean expected = modelRefusesV4(ip);
            assertThat(DestinationRules.refusal(v4(ip)).isPresent()).as("%s", v4(ip).getHostAddress()).isEqualTo(expected);
            // The same address carried in IPv6 (compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:ab:cd::).
            byte[] four = v4(ip).getAddress();
            byte[] compat = new byte[16];
            System.arraycopy(four, 0, compat, 12, 4);
            byte[] nat64 = compat.clone();
            nat64[1] = 0x64;
            nat64[2] = (byte) 0xff;
            nat64[3] = (byte) 0x9b;
            byte[] sixToFour = new byte[16];
            sixToFour[0] = 0x20;
            sixToFour[1] = 0x02;
            System.arraycopy(four, 0, sixToFour, 2, 4);
            sixToFour[15] = 1;
            if (ip > 1) { // ::0 and ::1 are IPv6's own unspecified and loopback
                assertThat(DestinationRules.refusal(InetAddress.getByAddress(compat)).isPresent()).isEqualTo(expected);
            }
            assertThat(DestinationRules.refusal(InetAddress.getByAddress(nat64)).isPresent()).isEqualTo(expected);
            assertThat(DestinationRules.refusal(InetAddress.getByAddress(sixToFour)).isPresent()).isEqualTo(expected);
            refused += expected ? 1 : 0;
        }
        assertThat(refused).as("both outcomes generated").isBetween(10_000, 190_000);
    }

    @Test
    void ipv6AddressesOutsideGlobalUnicastOrInPrivateRangesAreRefused() throws Exception {
        for (String refused : List.of("::", "::1", "fe80::1", "fec0::1", "fc00::1", "fd00:ec2::254", "ff02::1", "2001:db8::1",
                "::ffff:169.254.169.254", "::ffff:192.168.1.1", "64:ff9b::a00:1", "2002:c0a8:101::1", "100::1", "4000::1")) {
            assertThat(DestinationRules.refusal(InetAddress.getByName(refused))).as(refused).isPresent();
        }
        for (String allowed : List.of("2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "2002:5db8:d70e::1",
                "64:ff9b::5db8:d70e", "::ffff:93.184.215.14")) {
            assertThat(DestinationRules.refusal(InetAddress.getByName(allowed))).as(allowed).isEmpty();
        }
    }

    @Test
    void urlsAreHttpsWithAHostAndNoUserInformationExceptPlainHttpToATrustedHost() {
        assertThat(DestinationRules.target("https://Approvals.Example.com/hooks?x=1", TRUSTED))
                .isEqualTo(new DestinationRules.Target(true, "approvals.example.com", 443, "/hooks?x=1", false));
        assertThat(DestinationRules.target("https://approvals.example.com", TRUSTED).pathAndQuery()).isEqualTo("/");
        assertThat(DestinationRules.target("http://approvals.internal:8080/e", TRUSTED))
                .isEqualTo(new DestinationRules.Target(false, "approvals.internal", 8080, "/e", true));
        assertThat(DestinationRules.target("http://[0:0:0:0:0:0:0:1]:9/e", TRUSTED).trusted()).as("an IP literal however written")
                .isTrue();
        assertThat(DestinationRules.target("http://10.0.0.7/e", TRUSTED).trusted()).isTrue();
        for (String refused : List.of("http://approvals.example.com/", "ftp://approvals.example.com/", "//approvals.example.com/",
                "https:///path", "https://user@approvals.example.com/", "https://approvals.example.com/#frag", "", " ",
                "https://exa mple.com/", "http://approvals.internal.evil.com/", "http://10.0.0.8/", "https://" + "a".repeat(2100))) {
            assertThatThrownBy(() -> DestinationRules.target(refused, TRUSTED)).as(refused).isInstanceOf(DestinationRules.Refused.class);
        }
    }

    @Test
    void ipLiteralsAreParsedWithoutALookupAndNamesAreNotLiterals() {
        assertThat(DestinationRules.ipLiteral("10.1.2.3")).isPresent();
        assertThat(DestinationRules.ipLiteral("[::1]")).isPresent();
        assertThat(DestinationRules.ipLiteral("999.1.1.1")).as("not an address, and never looked up").isEmpty();
        assertThat(DestinationRules.ipLiteral("approvals.example.com")).isEmpty();
        assertThat(DestinationRules.ipLiteral("1.2.3")).isEmpty();
    }

    @Test
    void eachRefusalSaysWhichKindOfAddressItIs() throws Exception {
        java.util.Map<String, String> reasons = new java.util.LinkedHashMap<>();
        reasons.put("::1", "is a loopback or unspecified address");
        reasons.put("::", "is a loopback or unspecified address");
        reasons.put("127.0.0.1", "is a loopback or unspecified address");
        reasons.put("0.1.2.3", "is a loopback or unspecified address");
        reasons.put("169.254.169.254", "is a link-local address (cloud metadata among them)");
        reasons.put("10.0.0.1", "is a private address");
        reasons.put("172.31.255.255", "is a private address");
        reasons.put("192.168.1.1", "is a private address");
        reasons.put("100.127.0.1", "is a shared (carrier-grade NAT) address");
        reasons.put("192.0.0.8", "is a reserved, benchmarking or documentation address");
        reasons.put("192.0.2.1", "is a reserved, benchmarking or documentation address");
        reasons.put("198.19.0.1", "is a reserved, benchmarking or documentation address");
        reasons.put("198.51.100.7", "is a reserved, benchmarking or documentation address");
        reasons.put("203.0.113.9", "is a reserved, benchmarking or documentation address");
        reasons.put("192.88.99.1", "is a reserved, benchmarking or documentation address");
        reasons.put("224.0.0.1", "is a multicast, reserved or broadcast address");
        reasons.put("255.255.255.255", "is a multicast, reserved or broadcast address");
        reasons.put("::a00:1", "carries an IPv4 address that is a private address");
        reasons.put("64:ff9b::a9fe:a9fe", "carries an IPv4 address that is a link-local address (cloud metadata among them)");
        reasons.put("2002:7f00:1::", "carries an IPv4 address that is a loopback or unspecified address");
        reasons.put("2001:db8:1::1", "is a documentation address (2001:db8::/32)");
        reasons.put("fe80::1", "is a link-local address (fe80::/10)");
        reasons.put("febf::1", "is a link-local address (fe80::/10)");
        reasons.put("fd00:ec2::254", "is a private address (unique local, fc00::/7; cloud metadata among them)");
        reasons.put("fc00::1", "is a private address (unique local, fc00::/7; cloud metadata among them)");
        reasons.put("ff02::1", "is a multicast address");
        reasons.put("fec0::1", "is not a global unicast address (2000::/3)");
        reasons.put("4000::1", "is not a global unicast address (2000::/3)");
        reasons.put("1fff::1", "is not a global unicast address (2000::/3)");
        reasons.put("64:ff9b:1::a00:1", "is not a global unicast address (2000::/3)"); // local-use NAT64: not the well-known prefix
        reasons.put("0:64:ff9b::a00:1", "is not a global unicast address (2000::/3)");
        for (var reason : reasons.entrySet()) {
            assertThat(DestinationRules.refusal(InetAddress.getByName(reason.getKey()))).as(reason.getKey())
                    .contains(reason.getValue());
        }
        for (String allowed : List.of("2000::1", "3fff:ffff::1", "fec0::1".replace("fec0", "2a01"), "2001:db9::1", "2003:a00:1::",
                "2a80::1", "2081::1", "192.0.1.1", "192.0.3.1", "198.17.255.255", "198.20.0.0", "198.51.99.1", "198.51.101.1",
                "203.0.112.1", "203.0.114.1", "192.88.98.1", "192.88.100.1", "193.0.0.1", "199.51.100.1", "192.1.2.1",
                "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
                "169.253.255.255", "11.0.0.1", "223.255.255.255", "1.0.0.1")) {
            assertThat(DestinationRules.refusal(InetAddress.getByName(allowed))).as(allowed).isEmpty();
        }
    }

    @Test
    void theUrlsEdgesAreWhereTheyShouldBe() {
        String base = "https://approvals.example.com/";
        assertThat(DestinationRules.target(base + "a".repeat(DestinationRules.MAX_URL_LENGTH - base.length()), TRUSTED)).isNotNull();
        assertThatThrownBy(() -> DestinationRules.target(base + "a".repeat(DestinationRules.MAX_URL_LENGTH - base.length() + 1),
                TRUSTED)).isInstanceOf(DestinationRules.Refused.class).hasMessageContaining("longer than 2048");
        assertThatThrownBy(() -> DestinationRules.target(null, TRUSTED)).hasMessage("is required");
        assertThatThrownBy(() -> DestinationRules.target("   ", TRUSTED)).hasMessage("is required");
        assertThatThrownBy(() -> DestinationRules.target("https://approvals.example.com/#", TRUSTED)).hasMessageContaining("fragment");
        assertThatThrownBy(() -> DestinationRules.target("https:/relative/path", TRUSTED)).hasMessageContaining("host");
        assertThatThrownBy(() -> DestinationRules.target("mailto:ops@example.com", TRUSTED)).hasMessageContaining("https");
        assertThatThrownBy(() -> DestinationRules.target("http://approvals.example.com/", TRUSTED)).hasMessageContaining("trusted");
        assertThat(DestinationRules.target("http://approvals.internal", TRUSTED))
                .isEqualTo(new DestinationRules.Target(false, "approvals.internal", 80, "/", true));
        assertThat(DestinationRules.target("HTTPS://approvals.example.com:8443?x=1&y=%20", TRUSTED))
                .isEqualTo(new DestinationRules.Target(true, "approvals.example.com", 8443, "/?x=1&y=%20", false));
        assertThat(DestinationRules.target("https://[2606:4700::1111]/e", TRUSTED).host()).isEqualTo("2606:4700::1111");
        assertThat(DestinationRules.target("https://APPROVALS.internal/e", TRUSTED).trusted()).as("host names ignore case").isTrue();
    }

    @Test
    void ipv4LiteralsHaveFourOctetsOfAtMost255() {
        assertThat(DestinationRules.ipLiteral("255.255.255.255")).isPresent();
        assertThat(DestinationRules.ipLiteral("256.1.1.1")).isEmpty();
        assertThat(DestinationRules.ipLiteral("1.1.1.256")).isEmpty();
        assertThat(DestinationRules.ipLiteral("[fe80::1]")).isPresent();
        assertThat(DestinationRules.ipLiteral("fe80::zz")).isEmpty();
    }
}
