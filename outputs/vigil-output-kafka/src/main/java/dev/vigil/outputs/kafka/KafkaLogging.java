package dev.vigil.outputs.kafka;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Kafka client logs through slf4j, bound here to java.util.logging. At its default level it
 * prints its whole configuration on start and a warning for every failed reconnect while a broker
 * is away; the pipeline already reports each failed send with its reason, so only the client's
 * errors are shown unless a logging configuration sets the {@code org.apache.kafka} logger itself
 * (e.g. {@code org.apache.kafka.level = WARNING} in the file named by
 * {@code -Djava.util.logging.config.file}).
 */
final class KafkaLogging {
    // held here: java.util.logging keeps loggers only weakly, and a collected logger forgets its level
    private static final Logger KAFKA = Logger.getLogger("org.apache.kafka");

    private KafkaLogging() {}

    static synchronized void quiet() {
        if (KAFKA.getLevel() == null) {
            KAFKA.setLevel(Level.SEVERE);
        }
    }
}
