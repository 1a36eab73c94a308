package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {

    private static OutputSettings settings(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new OutputSettings("alerts-bus", "kafka", m, "vigil.yaml:7");
    }

    private static KafkaSettings parse(String... kv) throws ConfigException {
        return KafkaSettings.from(settings(kv));
    }

    private static void fails(String key, String problem, String... kv) {
        assertThatThrownBy(() -> parse(kv))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("output 'alerts-bus' (kafka, vigil.yaml:7): " + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void minimalSettingsGiveSafeDefaults() throws Exception {
        KafkaSettings s = parse("hostport", "kafka-0.kafka", "topic", "falco");
        assertThat(s.brokers()).containsExactly("kafka-0.kafka:9092");
        assertThat(s.topic()).isEqualTo("falco");
        assertThat(s.key()).isNull();
        assertThat(s.clientId()).isEqualTo("vigil");
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.topicCreation()).isFalse();
        Properties p = s.producer();
        assertThat(p).containsEntry("bootstrap.servers", "kafka-0.kafka:9092")
                .containsEntry("client.id", "vigil")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("compression.type", "none")
                .containsEntry("security.protocol", "PLAINTEXT")
                .containsEntry("delivery.timeout.ms", "10000")
                .containsEntry("request.timeout.ms", "10000")
                .containsEntry("max.block.ms", "10000")
                .containsEntry("linger.ms", "0")
                .doesNotContainKey("partitioner.class")
                .doesNotContainKey("sasl.jaas.config");
    }

    @Test
    void missingTopicOrHostportNamesOutputAndKey() {
        fails("topic", "required", "hostport", "localhost:9092");
        fails("hostport", "required", "topic", "falco");
        fails("hostport", "required", "topic", "falco", "hostport", " ; ");
    }

    @Test
    void brokerListsAcceptSemicolonsCommasAndIpv6() throws Exception {
        assertThat(parse("hostport", "a:9093;b|c:19092", "topic", "t").brokers())
                .containsExactly("a:9093", "b:9092", "c:19092");
        assertThat(parse("hostport", "a:9093, b:9094", "topic", "t").brokers()).containsExactly("a:9093", "b:9094");
        KafkaSettings v6 = parse("hostport", "[::1]:9093;[fd00::5]", "topic", "t");
        assertThat(v6.brokers()).containsExactly("[::1]:9093", "[fd00::5]:9092");
        assertThat(v6.brokerHosts()).containsExactly("::1", "fd00::5");
    }

    @Test
    void badBrokerAddressesAreRefused() {
        fails("hostport", "no valid port", "hostport", "kafka:99999", "topic", "t");
        fails("hostport", "no valid port", "hostport", "kafka:abc", "topic", "t");
        fails("hostport", "without a scheme", "hostport", "PLAINTEXT://kafka:9092", "topic", "t");
        fails("hostport", "in brackets", "hostport", "fd00::5:9092", "topic", "t");
        fails("hostport", "no valid host", "hostport", ":9092", "topic", "t");
    }

    @Test
    void requiredAcksMapToProducerAcksAndIdempotence() throws Exception {
        Properties none = parse("hostport", "k", "topic", "t", "requiredacks", "NONE").producer();
        assertThat(none).containsEntry("acks", "0").containsEntry("enable.idempotence", "false");
        Properties one = parse("hostport", "k", "topic", "t", "requiredacks", "one").producer();
        assertThat(one).containsEntry("acks", "1").containsEntry("enable.idempotence", "false");
        Properties all = parse("hostport", "k", "topic", "t", "requiredacks", "All").producer();
        assertThat(all).containsEntry("acks", "all").containsEntry("enable.idempotence", "true");
        fails("requiredacks", "'2' is not one of [all, none, one]", "hostport", "k", "topic", "t", "requiredacks", "2");
    }

    @Test
    void compressionBalancerAndClientId() throws Exception {
        Properties p = parse("hostport", "k", "topic", "t", "compression", "ZSTD", "balancer", "round_robin",
                "clientid", "falco-node-3").producer();
        assertThat(p).containsEntry("compression.type", "zstd")
                .containsEntry("partitioner.class", "org.apache.kafka.clients.producer.RoundRobinPartitioner")
                .containsEntry("client.id", "falco-node-3");
        assertThat(parse("hostport", "k", "topic", "t", "balancer", "least_bytes").producer())
                .doesNotContainKey("partitioner.class");
        fails("compression", "is not one of", "hostport", "k", "topic", "t", "compression", "brotli");
        fails("balancer", "is not one of", "hostport", "k", "topic", "t", "balancer", "crc32");
    }

    @Test
    void keyTemplateMustBeKnown() throws Exception {
        assertThat(parse("hostport", "k", "topic", "t", "key", "output_fields.k8s.ns.name").key())
                .hasToString("output_fields.k8s.ns.name");
        assertThat(parse("hostport", "k", "topic", "t", "key", "Hostname").key()).hasToString("hostname");
        fails("key", "'proc.name' is not a key template", "hostport", "k", "topic", "t", "key", "proc.name");
        fails("key", "is not a key template", "hostport", "k", "topic", "t", "key", "output_fields.");
    }

    @Test
    void saslBuildsTheLoginModuleLine() throws Exception {
        KafkaSettings s = parse("hostport", "k", "topic", "t", "sasl", "SCRAM_SHA512", "username", "vig\"il",
                "password", "p\\w\"d");
        Properties p = s.producer();
        assertThat(p).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"vig\\\"il\" password=\"p\\\\w\\\"d\";");
        assertThat(s.toString()).doesNotContain("p\\w");
        Properties plain = parse("hostport", "k", "topic", "t", "sasl", "plain", "username", "u", "password", "pw",
                "tls", "true").admin();
        assertThat(plain).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("client.id", "vigil-admin");
        assertThat((String) plain.get("sasl.jaas.config")).startsWith("org.apache.kafka.common.security.plain.PlainLoginModule");
    }

    @Test
    void saslNeedsCredentialsAndCredentialsNeedSasl() {
        fails("username", "required with sasl PLAIN", "hostport", "k", "topic", "t", "sasl", "PLAIN");
        fails("password", "required with sasl SCRAM-SHA-256", "hostport", "k", "topic", "t", "sasl", "scram_sha256",
                "username", "u");
        fails("sasl", "need a SASL mechanism", "hostport", "k", "topic", "t", "username", "u", "password", "p");
        fails("sasl", "is not one of", "hostport", "k", "topic", "t", "sasl", "GSSAPI");
    }

    @Test
    void tlsWithACaFile(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Properties p = parse("hostport", "k", "topic", "t", "tls", "true", "cacertfile", ca.toString()).producer();
        assertThat(p).containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.location", ca.toAbsolutePath().toString());
        assertThat(parse("hostport", "k", "topic", "t", "tls", "yes").producer())
                .containsEntry("security.protocol", "SSL").doesNotContainKey("ssl.truststore.location");
        fails("cacertfile", "not a readable file", "hostport", "k", "topic", "t", "tls", "true",
                "cacertfile", dir.resolve("missing.pem").toString());
        fails("cacertfile", "only used with tls=true", "hostport", "k", "topic", "t", "cacertfile", ca.toString());
        fails("tls", "is not a boolean", "hostport", "k", "topic", "t", "tls", "maybe");
    }

    @Test
    void timeoutDrivesEveryProducerBound() throws Exception {
        Properties p = parse("hostport", "k", "topic", "t", "timeout", "2s").producer();
        assertThat(p).containsEntry("delivery.timeout.ms", "2000").containsEntry("request.timeout.ms", "2000")
                .containsEntry("max.block.ms", "2000");
        assertThat(parse("hostport", "k", "topic", "t", "timeout", "3s").admin())
                .containsEntry("default.api.timeout.ms", "3000");
        fails("timeout", "out of range", "hostport", "k", "topic", "t", "timeout", "100ms");
        fails("timeout", "not a duration", "hostport", "k", "topic", "t", "timeout", "soon");
    }

    @Test
    void everyOwnKeyIsReadSoNoneIsReportedAsATypo() throws Exception {
        OutputSettings s = settings("hostport", "k", "topic", "t", "key", "rule", "requiredacks", "one",
                "compression", "lz4", "balancer", "murmur2", "clientid", "c", "sasl", "plain", "username", "u",
                "password", "p", "tls", "false", "cacertfile", "", "timeout", "5s", "topiccreation", "true",
                "async", "true", "topik", "typo");
        KafkaSettings.from(s);
        assertThat(s.unknownKeys()).containsExactly("topik");
        assertThat(new KafkaOutputFactory().keys()).containsAll(s.values().keySet().stream()
                .filter(k -> !k.equals("topik") && !k.equals("timeout")).toList());
    }
}
