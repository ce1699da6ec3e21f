package dev.waybill.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JDK's DNS client against a real (test) DNS server on a loopback UDP port. */
class JndiMxResolverTest {

    private TestDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        dns = new TestDnsServer()
                .mx("example.net", 20, "mx2.example.net").mx("example.net", 10, "mx1.example.net")
                .a("mx1.example.net", "192.0.2.10").a("mx1.example.net", "192.0.2.11")
                .aaaa("mx1.example.net", "2001:db8::10")
                .mx("nomail.example", 0, ".")
                .exists("nodata.example")
                .behave("broken.example", TestDnsServer.Behaviour.SERVFAIL)
                .behave("silent.example", TestDnsServer.Behaviour.SILENT);
    }

    @AfterEach
    void stop() throws Exception {
        dns.close();
    }

    @Test
    void lookup_mxRecords_inPresentationForm() {
        DnsAnswer answer = dns.resolver().lookup("example.net", DnsType.MX);
        assertEquals(DnsAnswer.Outcome.ANSWER, answer.outcome());
        assertEquals(List.of("10 mx1.example.net.", "20 mx2.example.net."), answer.records().stream().sorted().toList());
    }

    @Test
    void lookup_aAndAaaa_giveIpAddresses() {
        assertEquals(List.of("192.0.2.10", "192.0.2.11"),
                dns.resolver().lookup("mx1.example.net", DnsType.A).records().stream().sorted().toList());
        assertEquals(List.of("2001:db8:0:0:0:0:0:10"), dns.resolver().lookup("mx1.example.net", DnsType.AAAA).records());
    }

    @Test
    void lookup_nullMx_isTheRootName() {
        assertEquals(List.of("0 ."), dns.resolver().lookup("nomail.example", DnsType.MX).records());
    }

    @Test
    void lookup_nameWithoutThatType_isNoData() {
        assertEquals(DnsAnswer.Outcome.NO_DATA, dns.resolver().lookup("nodata.example", DnsType.MX).outcome());
    }

    @Test
    void lookup_unknownName_isNxdomain() {
        DnsAnswer answer = dns.resolver().lookup("nowhere.example", DnsType.MX);
        assertEquals(DnsAnswer.Outcome.NXDOMAIN, answer.outcome());
        assertTrue(answer.message().contains("does not exist"), answer.message());
    }

    @Test
    void lookup_serverFailure_isServfail() {
        assertEquals(DnsAnswer.Outcome.SERVFAIL, dns.resolver().lookup("broken.example", DnsType.MX).outcome());
    }

    @Test
    void lookup_silentServer_timesOutWithinTheBound() {
        long start = System.nanoTime();
        DnsAnswer answer = dns.resolver().lookup("silent.example", DnsType.MX);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(DnsAnswer.Outcome.TIMEOUT, answer.outcome(), answer.toString());
        assertTrue(millis < 3000, "took " + millis + " ms");
    }

    @Test
    void lookup_noServerOnThePort_isAnErrorNotAnException() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        JndiMxResolver resolver = JndiMxResolver.forServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), Duration.ofMillis(300), 1);
        DnsAnswer answer = resolver.lookup("example.net", DnsType.MX);
        assertTrue(answer.outcome().isTemporary(), answer.toString());
    }
}
