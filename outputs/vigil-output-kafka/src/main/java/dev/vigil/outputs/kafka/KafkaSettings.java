package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RoundRobinPartitioner;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The validated settings of one Kafka output and the client properties they stand for. Key names
 * follow Falcosidekick's {@code kafka.*} where it has them.
 *
 * @param brokers      {@code host:port} bootstrap addresses (port 9092 when none was given)
 * @param key          the message key template, or null for no key
 * @param acks         the producer's {@code acks}: {@code 0}, {@code 1} or {@code all}
 * @param compression  the producer's {@code compression.type}
 * @param balancer     {@code default} (Kafka's own partitioner) or {@code round_robin}
 * @param sasl         the SASL mechanism name as Kafka spells it, or null for none
 * @param caCertFile   PEM file of the CAs to trust for TLS, or null for the JDK's
 * @param timeout      how long one record may take from send to acknowledgement
 */
record KafkaSettings(
        String output,
        List<String> brokers,
        String topic,
        KeyTemplate key,
        String acks,
        String compression,
        String balancer,
        String clientId,
        String sasl,
        String username,
        String password,
        boolean tls,
        Path caCertFile,
        Duration timeout,
        boolean topicCreation) {

    static final int DEFAULT_PORT = 9092;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(500);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    /** Up to this many bytes of records per partition go into one produce request. */
    static final int PRODUCER_BATCH_BYTES = 256 * 1024;

    static KafkaSettings from(OutputSettings s) throws ConfigException {
        List<String> brokers = brokers(s);
        String topic = s.require("topic").trim();
        KeyTemplate key = null;
        String keyText = s.string("key", "");
        if (!keyText.isBlank()) {
            key = KeyTemplate.parse(keyText);
            if (key == null) {
                throw s.error("key", "'" + keyText + "' is not a key template (" + KeyTemplate.CHOICES + ")");
            }
        }
        String acks = switch (choice(s, "requiredacks", "all", Set.of("none", "one", "all"))) {
            case "none" -> "0";
            case "one" -> "1";
            default -> "all";
        };
        String compression = choice(s, "compression", "none", Set.of("none", "gzip", "snappy", "lz4", "zstd"));
        String balancer = switch (choice(s, "balancer", "default",
                Set.of("default", "murmur2", "least_bytes", "round_robin"))) {
            case "round_robin" -> "round_robin";
            // murmur2 is what Kafka's own partitioner hashes keys with; for records without a key it
            // fills one partition at a time and favours partitions whose brokers keep up, which is
            // the closest Kafka's client comes to least_bytes
            default -> "default";
        };
        String clientId = s.string("clientid", "vigil").trim();
        if (clientId.isEmpty()) {
            clientId = "vigil";
        }
        String sasl = switch (choice(s, "sasl", "none", Set.of("none", "plain", "scram_sha256", "scram_sha512"))) {
            case "plain" -> "PLAIN";
            case "scram_sha256" -> "SCRAM-SHA-256";
            case "scram_sha512" -> "SCRAM-SHA-512";
            default -> null;
        };
        String username = s.string("username", "");
        String password = s.string("password", "");
        if (sasl != null) {
            if (username.isEmpty()) {
                throw s.error("username", "required with sasl " + sasl);
            }
            if (password.isEmpty()) {
                throw s.error("password", "required with sasl " + sasl);
            }
        } else if (!username.isEmpty() || !password.isEmpty()) {
            throw s.error("sasl", "username and password need a SASL mechanism (PLAIN, SCRAM_SHA256 or SCRAM_SHA512)");
        }
        boolean tls = s.bool("tls", false);
        String caText = s.string("cacertfile", "");
        Path ca = caText.isBlank() ? null : Path.of(caText.trim());
        if (ca != null) {
            if (!tls) {
                throw s.error("cacertfile", "only used with tls=true");
            }
            if (!Files.isRegularFile(ca) || !Files.isReadable(ca)) {
                throw s.error("cacertfile", "'" + ca + "' is not a readable file");
            }
        }
        Duration timeout = s.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw s.error("timeout", timeout.toMillis() + "ms is out of range [500ms, 1h]");
        }
        boolean topicCreation = s.bool("topiccreation", false);
        // Falcosidekick's "async" has no meaning here: the pipeline always queues, and every item is acknowledged
        s.bool("async", false);
        return new KafkaSettings(s.name(), brokers, topic, key, acks, compression, balancer, clientId, sasl,
                username, password, tls, ca, timeout, topicCreation);
    }

    /** A value from a fixed set, case-insensitive, an empty value meaning the default. */
    private static String choice(OutputSettings s, String key, String defaultValue, Set<String> allowed)
            throws ConfigException {
        String v = s.string(key, "");
        return v.isBlank() ? defaultValue : s.oneOf(key, defaultValue, allowed);
    }

    private static List<String> brokers(OutputSettings s) throws ConfigException {
        String text = s.require("hostport");
        List<String> out = new ArrayList<>();
        // ';' or '|' on the command line (where ',' separates settings), ',' as Falcosidekick writes it
        for (String part : text.split("[;|,]")) {
            if (!part.isBlank()) {
                out.add(broker(s, part.trim()));
            }
        }
        if (out.isEmpty()) {
            throw s.error("hostport", "required");
        }
        return out;
    }

    private static String broker(OutputSettings s, String address) throws ConfigException {
        if (address.contains("://")) {
            throw s.error("hostport", "'" + address + "' should be host:port, without a scheme");
        }
        String host;
        String port;
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            if (end < 0) {
                throw s.error("hostport", "'" + address + "' lacks the closing ']'");
            }
            host = address.substring(0, end + 1);
            String rest = address.substring(end + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw s.error("hostport", "'" + address + "' is not [ipv6]:port");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = address.lastIndexOf(':');
            if (colon >= 0 && address.indexOf(':') != colon) {
                throw s.error("hostport", "'" + address + "': write an IPv6 address in brackets, e.g. [::1]:9092");
            }
            host = colon < 0 ? address : address.substring(0, colon);
            port = colon < 0 ? null : address.substring(colon + 1);
        }
        if (host.isEmpty() || host.equals("[]") || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/')) {
            throw s.error("hostport", "'" + address + "' has no valid host");
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw s.error("hostport", "'" + address + "' has no valid port (1-65535)");
            }
        }
        return host + ":" + p;
    }

    /** The host part of each bootstrap address, brackets removed. */
    List<String> brokerHosts() {
        List<String> hosts = new ArrayList<>();
        for (String b : brokers) {
            String h = b.substring(0, b.lastIndexOf(':'));
            hosts.add(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
        }
        return hosts;
    }

    /** Connection and security properties shared by the producer and the admin client. */
    private Properties connection(String id) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", brokers));
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, id);
        String protocol = sasl == null ? (tls ? "SSL" : "PLAINTEXT") : (tls ? "SASL_SSL" : "SASL_PLAINTEXT");
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (sasl != null) {
            p.put(SaslConfigs.SASL_MECHANISM, sasl);
            p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas());
        }
        if (caCertFile != null) {
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, caCertFile.toAbsolutePath().toString());
        }
        return p;
    }

    /** The JAAS line for the SASL login module, with the credentials quoted. */
    String jaas() {
        String module = sasl.equals("PLAIN")
                ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return module + " required username=\"" + quote(username) + "\" password=\"" + quote(password) + "\";";
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    Properties producer() {
        Properties p = connection(clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        // idempotence needs acks=all; with it, the client's own retries cannot duplicate or reorder records
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        if (balancer.equals("round_robin")) {
            p.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, RoundRobinPartitioner.class.getName());
        }
        String ms = Long.toString(timeout.toMillis());
        // the sink hands over a whole batch at once, so there is nothing to wait for
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(PRODUCER_BATCH_BYTES));
        // one bound for every stage: waiting for metadata, one request, and a record's whole life
        // including the client's own retries (delivery must be at least linger plus request)
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms);
        return p;
    }

    Properties admin() {
        Properties p = connection(clientId + "-admin");
        String ms = Long.toString(timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        return p;
    }

    /** Without the password. */
    @Override
    public String toString() {
        return "kafka output '" + output + "' to " + brokers + " topic " + topic + (sasl == null ? "" : " as " + username);
    }
}
