package dev.ebpf.profiling.agent.netrx;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** How the worst sockets' addresses are written: IPv4 plain, IPv6 short (RFC 5952) in brackets. */
class NetRxEndpointTest {

    private static String endpoint(String address, int port) throws Exception {
        return NetRxAnalyzer.endpoint(InetAddress.getByName(address), port);
    }

    @Test
    void ipv4IsAddressColonPort() throws Exception {
        assertThat(endpoint("127.0.0.1", 8080)).isEqualTo("127.0.0.1:8080");
    }

    @Test
    void ipv6IsShortAndBracketed() throws Exception {
        assertThat(endpoint("::1", 443)).isEqualTo("[::1]:443");
        assertThat(endpoint("0:0:0:0:0:0:0:0", 53)).isEqualTo("[::]:53");
        assertThat(endpoint("2001:DB8:0:0:0:0:0:1", 80)).isEqualTo("[2001:db8::1]:80");
        assertThat(endpoint("fe80::1:0:0:5", 1)).isEqualTo("[fe80::1:0:0:5]:1");
        // The longest run of zeros is shortened, the first of equal runs, never a single zero.
        assertThat(endpoint("2001:db8:0:0:1:0:0:1", 2)).isEqualTo("[2001:db8::1:0:0:1]:2");
        assertThat(endpoint("2001:0:1:1:1:1:1:1", 3)).isEqualTo("[2001:0:1:1:1:1:1:1]:3");
        assertThat(endpoint("1:0:0:2:0:0:0:3", 4)).isEqualTo("[1:0:0:2::3]:4");
        assertThat(endpoint("1:2:3:4:5:6:7:0", 5)).isEqualTo("[1:2:3:4:5:6:7:0]:5");
        assertThat(endpoint("1:2:3:4:5:6:0:0", 6)).isEqualTo("[1:2:3:4:5:6::]:6");
    }

    @Test
    void anIpv4MappedPeerOfADualStackSocketIsItsIpv4Address() throws Exception {
        // What a v6 socket's 16 address bytes give for an IPv4 peer: Java reads them as IPv4.
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        assertThat(NetRxAnalyzer.endpoint(InetAddress.getByAddress(mapped), 9)).isEqualTo("10.1.2.3:9");
    }
}
