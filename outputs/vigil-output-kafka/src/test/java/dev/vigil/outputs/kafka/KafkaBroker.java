package dev.vigil.outputs.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka 4.4 (KRaft, broker and controller in one) inside the test JVM, on free
 * loopback ports and a temporary directory. Starting fails the test when the broker does not come
 * up. Topics are not created on first use, so tests see what the sink does about a missing topic.
 * It can be stopped and started again on the same ports and data, to test an outage. Besides the
 * plain listener it has a SASL one that knows user {@link #USER} with password {@link #PASSWORD}
 * for PLAIN and SCRAM-SHA-256 (the SCRAM credential is written when the storage is formatted).
 */
final class KafkaBroker implements AutoCloseable {
    static final String USER = "vigil-user";
    static final String PASSWORD = "pass\"word";
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    // the broker's loggers, kept so their levels survive (java.util.logging holds loggers weakly)
    private static final List<Logger> QUIET = new ArrayList<>();

    static {
        for (String name : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            Logger l = Logger.getLogger(name);
            l.setLevel(Level.SEVERE);
            QUIET.add(l);
        }
    }

    private final Path dir;
    private final int port;
    private final int saslPort;
    private final KafkaConfig config;
    private KafkaRaftServer server;

    private KafkaBroker(Path dir, int port, int saslPort, KafkaConfig config) {
        this.dir = dir;
        this.port = port;
        this.saslPort = saslPort;
        this.config = config;
    }

    static KafkaBroker start() throws Exception {
        Path dir = Files.createTempDirectory("vigil-kafka-");
        int port = freePort();
        int saslPort = freePort();
        int controller = freePort();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort
                + ",CONTROLLER://127.0.0.1:" + controller);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + USER + "=\""
                        + PASSWORD.replace("\"", "\\\"") + "\";");
        p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("data").toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // the default 128 MiB cleaner buffer is allocated on the heap; a test broker needs little
        p.put("log.cleaner.dedupe.buffer.size", "4194304");
        KafkaBroker b = new KafkaBroker(dir, port, saslPort, KafkaConfig.fromProps(p, false));
        try {
            b.format();
            b.startServer();
            return b;
        } catch (Exception | Error e) {
            // leave no half-started server or directory behind; the test class fails with e
            try {
                b.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void format() throws Exception {
        ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
        new Formatter()
                .setPrintStream(new PrintStream(formatLog, true, StandardCharsets.UTF_8))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(config.logDirs())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setScramArguments(List.of("SCRAM-SHA-256=[name=" + USER + ",password=" + PASSWORD + "]"))
                .run();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    String saslBootstrap() {
        return "127.0.0.1:" + saslPort;
    }

    /** Starts the server on the formatted data and waits until it answers as a one-node cluster. */
    void startServer() throws Exception {
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 1) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw new IllegalStateException("the Kafka broker did not answer within " + READY_WITHIN, e);
                    }
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("the Kafka broker did not register within " + READY_WITHIN);
                }
            }
        }
    }

    /** Shuts the server down and waits until its ports are closed. */
    void stopServer() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(p);
    }

    void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    boolean topicExists(String name) throws Exception {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name);
        }
    }

    /** Reads every partition of {@code topic} from the start until {@code count} records came, or fails. */
    List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < count && System.nanoTime() - deadline < 0) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        if (out.size() < count) {
            throw new AssertionError("read " + out.size() + " of " + count + " records from " + topic + " within 30 s");
        }
        return out;
    }

    @Override
    public void close() {
        try {
            stopServer();
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
