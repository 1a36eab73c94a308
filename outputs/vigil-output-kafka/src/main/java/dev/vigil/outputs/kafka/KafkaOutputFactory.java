package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.Sink;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code kafka} output: one message per alert on one topic. The value is the alert's JSON as
 * Falco and Falcosidekick write it (with the uuid); headers {@code vigil.uuid}, {@code vigil.rule}
 * and {@code vigil.priority} let consumers route without parsing it.
 *
 * <p>Keys, named as Falcosidekick's {@code kafka.*} where it has them:
 * <ul>
 * <li>{@code hostport} (required): bootstrap brokers {@code host[:port]}, port 9092 by default,
 *     separated by {@code ;} (or {@code ,} in a config file)</li>
 * <li>{@code topic} (required)</li>
 * <li>{@code key}: message key from {@code rule}, {@code hostname}, {@code uuid}, {@code priority},
 *     {@code source} or {@code output_fields.<field>}; none by default</li>
 * <li>{@code requiredacks}: {@code NONE}, {@code ONE} or {@code ALL} (default). Falcosidekick
 *     defaults to NONE, which cannot tell a lost alert from a delivered one; with ALL the producer
 *     is also idempotent, so its own retries write no duplicates</li>
 * <li>{@code compression}: {@code NONE} (default), {@code GZIP}, {@code SNAPPY}, {@code LZ4},
 *     {@code ZSTD}</li>
 * <li>{@code balancer}: {@code default} (Kafka's partitioner: hash of the key, or for keyless
 *     records one partition at a time favouring responsive brokers; {@code murmur2} and
 *     {@code least_bytes} mean the same) or {@code round_robin}. Falcosidekick's crc32 variants
 *     are not offered</li>
 * <li>{@code clientid}: default {@code vigil}</li>
 * <li>{@code sasl}: {@code PLAIN}, {@code SCRAM_SHA256} or {@code SCRAM_SHA512}, with
 *     {@code username} and {@code password}</li>
 * <li>{@code tls}: default false; {@code cacertfile}: PEM file of the CAs to trust instead of the
 *     JDK's</li>
 * <li>{@code timeout} (common key): how long one record may take from hand-over to
 *     acknowledgement, the client's own retries included; default 10s</li>
 * <li>{@code topiccreation}: create the topic (brokers' default partitions and replication) before
 *     the first send; default false. A broker with {@code auto.create.topics.enable} creates it
 *     anyway on first use</li>
 * <li>{@code async}: accepted for Falcosidekick configurations and ignored</li>
 * </ul>
 */
public final class KafkaOutputFactory implements OutputFactory {
    private static final Set<String> KEYS = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
            "hostport", "topic", "key", "requiredacks", "compression", "balancer", "clientid",
            "sasl", "username", "password", "tls", "cacertfile", "topiccreation", "async")));

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public String description() {
        return "Apache Kafka topic: one message per alert (Falco JSON), optional key, vigil.* headers";
    }

    @Override
    public Set<String> keys() {
        return KEYS;
    }

    @Override
    public Sink create(OutputSettings settings) throws ConfigException {
        KafkaSettings s = KafkaSettings.from(settings);
        KafkaLogging.quiet();
        return new KafkaSink(s);
    }
}
