package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sink against a real in-process Kafka broker. */
class KafkaSinkTest {
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private KafkaBroker broker;

    @BeforeEach
    void broker() {
        broker = BROKER.broker();
    }

    private static String newTopic() {
        return "falco-" + TOPICS.incrementAndGet();
    }

    private String existingTopic(int partitions) throws Exception {
        String topic = newTopic();
        broker.createTopic(topic, partitions);
        return topic;
    }

    static Sink sink(String bootstrap, String... kv) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("hostport", bootstrap);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new KafkaOutputFactory().create(new OutputSettings("bus", "kafka", m, "test"));
    }

    private static List<Envelope> envelopes(int n) {
        List<Envelope> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Alerts.envelope(i));
        }
        return out;
    }

    static void assertAll(SendResult r, int n, Status status) {
        for (int i = 0; i < n; i++) {
            assertThat(r.status(i)).as("item %d of %s", i, r).isEqualTo(status);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void alertsArriveAsSentWithHeadersAndKey() throws Exception {
        String topic = existingTopic(3);
        List<Envelope> batch = envelopes(50);
        try (Sink sink = sink(broker.bootstrap(), "topic", topic, "key", "output_fields.k8s.ns.name",
                "compression", "zstd")) {
            SendResult r = sink.send(batch);
            assertAll(r, batch.size(), Status.DELIVERED);
            assertThat(r.allDelivered()).isTrue();
        }
        List<ConsumerRecord<byte[], byte[]>> got = broker.consume(topic, batch.size());
        assertThat(got).hasSize(batch.size());
        Map<String, ConsumerRecord<byte[], byte[]>> byUuid = new HashMap<>();
        Map<String, Integer> partitionOfKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> c : got) {
            byUuid.put(header(c, "vigil.uuid"), c);
            String key = new String(c.key(), StandardCharsets.UTF_8);
            // one key, one partition
            assertThat(partitionOfKey.computeIfAbsent(key, k -> c.partition())).isEqualTo(c.partition());
        }
        for (Envelope e : batch) {
            FalcoAlert a = e.alert();
            ConsumerRecord<byte[], byte[]> c = byUuid.get(a.uuid());
            assertThat(c).as(a.uuid()).isNotNull();
            assertThat(c.value()).isEqualTo(e.body());
            assertThat(FalcoAlert.parse(c.value())).isEqualTo(a);
            assertThat(new String(c.key(), StandardCharsets.UTF_8)).isEqualTo(a.field("k8s.ns.name"));
            assertThat(header(c, "vigil.rule")).isEqualTo(a.rule());
            assertThat(header(c, "vigil.priority")).isEqualTo("Warning");
        }
        assertThat(partitionOfKey).hasSize(3);
    }

    @Test
    void logRecordsArriveAsJsonDocumentsKeyedByContainer() throws Exception {
        String topic = existingTopic(2);
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(Envelope.ofBody(new dev.vigil.pipeline.LogRecord("2026-11-26T10:00:00Z", "line " + i, "stdout", "shop",
                    "cart-" + (i % 2), "uid", "app", 0, "node-1", "/var/log/pods/x/app/0.log", "ab", i, false, false)
                    .toBody()));
        }
        try (Sink sink = sink(broker.bootstrap(), "topic", topic)) {
            SendResult r = sink.send(batch);
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        List<ConsumerRecord<byte[], byte[]>> got = broker.consume(topic, batch.size());
        assertThat(got).hasSize(batch.size());
        for (ConsumerRecord<byte[], byte[]> c : got) {
            String value = new String(c.value(), StandardCharsets.UTF_8);
            assertThat(value).startsWith("{\"@timestamp\":\"2026-11-26T10:00:00Z\",\"message\":\"line ");
            String key = new String(c.key(), StandardCharsets.UTF_8);
            assertThat(key).isIn("shop/cart-0/app", "shop/cart-1/app");
            int line = Integer.parseInt(value.replaceAll(".*\"message\":\"line (\\d+)\".*", "$1"));
            assertThat(key).endsWith("cart-" + (line % 2) + "/app");
        }
    }

    @Test
    void everyAckLevelDelivers() throws Exception {
        for (String acks : List.of("NONE", "ONE", "ALL")) {
            String topic = existingTopic(1);
            try (Sink sink = sink(broker.bootstrap(), "topic", topic, "requiredacks", acks, "balancer", "round_robin")) {
                assertAll(sink.send(envelopes(5)), 5, Status.DELIVERED);
            }
            assertThat(broker.consume(topic, 5)).as(acks).hasSize(5);
        }
    }

    @Test
    void topicCreationCreatesAMissingTopic() throws Exception {
        String topic = newTopic();
        assertThat(broker.topicExists(topic)).isFalse();
        try (Sink sink = sink(broker.bootstrap(), "topic", topic, "topiccreation", "true", "timeout", "5s")) {
            assertAll(sink.send(envelopes(3)), 3, Status.DELIVERED);
            assertAll(sink.send(envelopes(2)), 2, Status.DELIVERED);
        }
        assertThat(broker.topicExists(topic)).isTrue();
        assertThat(broker.consume(topic, 5)).hasSize(5);
    }

    @Test
    void topicCreationAcceptsAnExistingTopic() throws Exception {
        String topic = existingTopic(2);
        try (Sink sink = sink(broker.bootstrap(), "topic", topic, "topiccreation", "true")) {
            assertAll(sink.send(envelopes(4)), 4, Status.DELIVERED);
        }
        assertThat(broker.consume(topic, 4)).hasSize(4);
    }

    @Test
    void aMissingTopicWithoutCreationIsRetriedWithinTheTimeout() throws Exception {
        String topic = newTopic();
        try (Sink sink = sink(broker.bootstrap(), "topic", topic, "timeout", "2s")) {
            long start = System.nanoTime();
            SendResult r = sink.send(envelopes(20));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertAll(r, 20, Status.RETRY);
            assertThat(r.reason(0)).contains(topic);
            assertThat(took).isLessThan(Duration.ofSeconds(4));
        }
        assertThat(broker.topicExists(topic)).isFalse();
    }

    @Test
    void aRecordLargerThanTheRequestLimitIsRejectedAndTheOthersDelivered() throws Exception {
        String topic = existingTopic(1);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("proc.cmdline", "x".repeat(1_200_000));
        Envelope huge = Envelope.of(Alerts.alert("Huge", "node-0", fields));
        Envelope notAnAlert = Envelope.ofBody("{\"output\":\"no rule\"}".getBytes(StandardCharsets.UTF_8));
        List<Envelope> batch = List.of(Alerts.envelope(1), huge, Alerts.envelope(2), notAnAlert, Alerts.envelope(3));
        try (Sink sink = sink(broker.bootstrap(), "topic", topic)) {
            SendResult r = sink.send(batch);
            assertThat(r.isPerItem()).isTrue();
            assertThat(List.of(r.status(0), r.status(1), r.status(2), r.status(3), r.status(4))).containsExactly(
                    Status.DELIVERED, Status.REJECT, Status.DELIVERED, Status.REJECT, Status.DELIVERED);
            assertThat(r.reason(1)).startsWith("RecordTooLargeException").contains("max.request.size");
            assertThat(r.reason(3)).startsWith("not a Falco alert");
        }
        List<ConsumerRecord<byte[], byte[]>> got = broker.consume(topic, 3);
        assertThat(got).extracting(c -> header(c, "vigil.uuid")).containsExactly(
                batch.get(0).alert().uuid(), batch.get(2).alert().uuid(), batch.get(4).alert().uuid());
    }

    @Test
    void aClosedPortIsRetriedWithinTheTimeoutAndARunningBrokerThenTakesTheSameAlerts() throws Exception {
        String topic = existingTopic(1);
        List<Envelope> batch = envelopes(10);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (Sink down = sink("127.0.0.1:" + closedPort, "topic", topic, "timeout", "2s")) {
            long start = System.nanoTime();
            SendResult r = down.send(batch);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertAll(r, batch.size(), Status.RETRY);
            // the first waited for the topic's metadata, the others were not handed over after that
            assertThat(r.reason(0)).startsWith("TimeoutException").contains(topic);
            assertThat(r.reason(1)).startsWith("not sent after an earlier alert").contains("TimeoutException");
            assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(4));
        }
        try (Sink up = sink(broker.bootstrap(), "topic", topic, "timeout", "2s")) {
            assertAll(up.send(batch), batch.size(), Status.DELIVERED);
        }
        assertThat(broker.consume(topic, batch.size())).hasSize(batch.size());
    }

    @Test
    void saslPlainAndScramLogIn() throws Exception {
        String topic = existingTopic(1);
        for (String mechanism : List.of("PLAIN", "SCRAM_SHA256")) {
            try (Sink sink = sink(broker.saslBootstrap(), "topic", topic, "sasl", mechanism,
                    "username", KafkaBroker.USER, "password", KafkaBroker.PASSWORD)) {
                assertAll(sink.send(envelopes(2)), 2, Status.DELIVERED);
            }
        }
        assertThat(broker.consume(topic, 4)).hasSize(4);
    }

    @Test
    void aWrongPasswordIsRejected() throws Exception {
        String topic = existingTopic(1);
        try (Sink sink = sink(broker.saslBootstrap(), "topic", topic, "sasl", "PLAIN", "timeout", "2s",
                "username", KafkaBroker.USER, "password", "guess")) {
            SendResult r = sink.send(envelopes(3));
            assertThat(r.status(0)).isEqualTo(Status.REJECT);
            assertThat(r.reason(0)).startsWith("SaslAuthenticationException");
        }
    }

    @Test
    void anInterruptedSendThrowsAndKeepsTheFlag() throws Exception {
        String topic = existingTopic(1);
        try (Sink sink = sink(broker.bootstrap(), "topic", topic, "timeout", "5s")) {
            assertAll(sink.send(envelopes(1)), 1, Status.DELIVERED);
            // once while waiting for acknowledgements (metadata is known now) ...
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> sink.send(envelopes(2))).isInstanceOf(InterruptedException.class);
            assertThat(Thread.interrupted()).isTrue();
        }
        try (Sink fresh = sink(broker.bootstrap(), "topic", topic, "timeout", "5s")) {
            // ... and once inside the client, waiting for the topic's metadata
            Thread.currentThread().interrupt();
            long start = System.nanoTime();
            assertThatThrownBy(() -> fresh.send(envelopes(2))).isInstanceOf(InterruptedException.class);
            assertThat(Thread.interrupted()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }
}
