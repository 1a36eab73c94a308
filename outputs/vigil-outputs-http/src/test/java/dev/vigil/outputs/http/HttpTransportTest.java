package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every HTTP output shares, seen through the webhook output: headers, status mapping, transport errors, TLS. */
class HttpTransportTest {
    @TempDir
    static Path dir;
    private static TestCerts server;
    private static TestCerts client;
    private Receiver receiver;

    @BeforeAll
    static void certificates() throws Exception {
        server = TestCerts.create(dir, "server");
        client = TestCerts.create(dir, "client");
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static SendResult sendOne(String... kv) throws Exception {
        try (Sink sink = new WebhookFactory().create(Samples.settings("webhook", kv))) {
            return sink.send(List.of(Samples.envelope(Samples.alert())));
        }
    }

    @Test
    void sendsTheCommonAndCustomHeaders() throws Exception {
        receiver = Receiver.start();
        SendResult r = sendOne("url", receiver.url("/hook").toString(), "headers.X-Api-Key", "s3cret",
                "customheaders", "X-Team:secops;X-Env:prod");
        assertThat(r.allDelivered()).isTrue();
        Receiver.Request req = receiver.only();
        assertThat(req.header("User-Agent")).isEqualTo("Vigil");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.header("X-Api-Key")).isEqualTo("s3cret");
        assertThat(req.header("X-Team")).isEqualTo("secops");
        assertThat(req.header("X-Env")).isEqualTo("prod");
    }

    @Test
    void headersTheClientCannotSetAreAConfigError() {
        assertThatThrownBy(() -> sendOne("url", "http://127.0.0.1:9/", "headers.Host", "other"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-webhook").hasMessageContaining("headers");
    }

    @Test
    void mapsStatusesToDeliveredRetryAndReject() throws Exception {
        receiver = Receiver.start();
        receiver.reply(201, "").reply(204, "").reply(429, "slow down", "Retry-After", "7").reply(503, "maintenance")
                .reply(500, "boom").reply(400, "bad payload").reply(401, "who are you").reply(404, "");
        String url = receiver.url("/").toString();
        assertThat(sendOne("url", url).allDelivered()).isTrue();
        assertThat(sendOne("url", url).allDelivered()).isTrue();
        SendResult limited = sendOne("url", url);
        assertThat(limited.status(0)).isEqualTo(Status.RETRY);
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(limited.reason(0)).isEqualTo("HTTP 429: slow down");
        SendResult unavailable = sendOne("url", url);
        assertThat(unavailable.status(0)).isEqualTo(Status.RETRY);
        assertThat(unavailable.retryAfter()).isNull();
        assertThat(sendOne("url", url).status(0)).isEqualTo(Status.RETRY);
        SendResult bad = sendOne("url", url);
        assertThat(bad.status(0)).isEqualTo(Status.REJECT);
        assertThat(bad.reason(0)).isEqualTo("HTTP 400: bad payload");
        assertThat(sendOne("url", url).status(0)).isEqualTo(Status.REJECT);
        assertThat(sendOne("url", url).status(0)).isEqualTo(Status.REJECT);
    }

    @Test
    void aRefusedConnectionIsRetried() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SendResult r = sendOne("url", "http://127.0.0.1:" + port + "/");
        assertThat(r.status(0)).isEqualTo(Status.RETRY);
        assertThat(r.reason(0)).startsWith("127.0.0.1:" + port + ": ").contains("ConnectException");
    }

    @Test
    void aSlowServerTimesOutAndIsRetried() throws Exception {
        receiver = Receiver.start();
        receiver.stall(10_000);
        long start = System.nanoTime();
        SendResult r = sendOne("url", receiver.url("/").toString(), "timeout", "300ms");
        assertThat(r.status(0)).isEqualTo(Status.RETRY);
        assertThat(r.reason(0)).contains("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anInvalidEnvelopeIsRejectedWithoutBeingSent() throws Exception {
        receiver = Receiver.start();
        try (Sink sink = new WebhookFactory().create(Samples.settings("webhook", "url", receiver.url("/").toString()))) {
            SendResult r = sink.send(List.of(Envelope.ofBody("{\"rule\":\"x\"}".getBytes(StandardCharsets.UTF_8))));
            assertThat(r.status(0)).isEqualTo(Status.REJECT);
            assertThat(r.reason(0)).startsWith("not a valid alert: ");
        }
        assertThat(receiver.requests()).isEmpty();
    }

    @Test
    void httpsTrustsTheExtraCaFile() throws Exception {
        receiver = Receiver.startTls(server.serverContext(), false);
        String url = receiver.url("/").toString();
        assertThat(sendOne("url", url, "cacertfile", server.certPem().toString()).allDelivered()).isTrue();
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void httpsRefusesAnUnknownCertificateUnlessCheckcertIsOff() throws Exception {
        receiver = Receiver.startTls(server.serverContext(), false);
        String url = receiver.url("/").toString();
        SendResult refused = sendOne("url", url);
        assertThat(refused.status(0)).isEqualTo(Status.RETRY);
        assertThat(refused.reason(0)).containsIgnoringCase("certificat");
        assertThat(receiver.requests()).isEmpty();
        assertThat(sendOne("url", url.replace("127.0.0.1", "localhost"), "checkcert", "false").allDelivered()).isTrue();
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() throws Exception {
        receiver = Receiver.startTls(server.serverContext(client), true);
        String url = receiver.url("/").toString();
        String ca = server.certPem().toString();
        assertThat(sendOne("url", url, "cacertfile", ca).status(0)).isEqualTo(Status.RETRY);
        SendResult r = sendOne("url", url, "cacertfile", ca, "clientcert", client.certPem().toString(),
                "clientkey", client.keyPem().toString());
        assertThat(r.allDelivered()).as("%s", r).isTrue();
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void aClientCertificateNeedsItsKey() {
        assertThatThrownBy(() -> sendOne("url", "https://127.0.0.1:9/", "clientcert", client.certPem().toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-webhook").hasMessageContaining("clientkey");
    }
}
