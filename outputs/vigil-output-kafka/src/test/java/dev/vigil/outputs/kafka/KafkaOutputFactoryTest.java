package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaOutputFactoryTest {

    @Test
    void serviceLoaderFindsTheKafkaType() {
        List<OutputFactory> found = ServiceLoader.load(OutputFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.type().equals("kafka")).toList();
        assertThat(found).hasSize(1);
        assertThat(found.getFirst()).isInstanceOf(KafkaOutputFactory.class);
        assertThat(found.getFirst().description()).contains("Kafka");
        assertThat(found.getFirst().keys()).contains("hostport", "topic", "requiredacks", "topiccreation");
    }

    @Test
    void badSettingsFailAtCreation() {
        OutputSettings s = new OutputSettings("bus", "kafka", Map.of("hostport", "k:1"), "--output");
        assertThatThrownBy(() -> new KafkaOutputFactory().create(s))
                .isInstanceOf(ConfigException.class).hasMessage("output 'bus' (kafka, --output): topic: required");
    }

    @Test
    void anUnresolvableBrokerNameDefersTheProducerAndRetries() throws Exception {
        OutputSettings s = new OutputSettings("bus", "kafka",
                Map.of("hostport", "no-such-broker.invalid:9092", "topic", "t", "timeout", "1s"), "--output");
        try (Sink sink = new KafkaOutputFactory().create(s)) {
            assertThat(sink.batching()).isEqualTo(KafkaSink.BATCHING);
            SendResult r = sink.send(List.of(Alerts.envelope(1), Alerts.envelope(2)));
            assertThat(r.status(0)).isEqualTo(SendResult.Status.RETRY);
            assertThat(r.status(1)).isEqualTo(SendResult.Status.RETRY);
            assertThat(r.reason(0)).contains("cannot create the producer").contains("bootstrap");
        }
    }

    @Test
    void aCaFileTheClientCannotReadFailsAtCreation(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        OutputSettings s = new OutputSettings("bus", "kafka",
                Map.of("hostport", "127.0.0.1:9", "topic", "t", "tls", "true", "cacertfile", ca.toString()), "--output");
        assertThatThrownBy(() -> new KafkaOutputFactory().create(s))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("output 'bus' (kafka): cannot create the producer: ");
    }

    @Test
    void aClosedSinkRetriesInsteadOfSending() throws Exception {
        OutputSettings s = new OutputSettings("bus", "kafka", Map.of("hostport", "127.0.0.1:9", "topic", "t"), "--output");
        Sink sink = new KafkaOutputFactory().create(s);
        sink.close();
        SendResult r = sink.send(List.of(Alerts.envelope(1)));
        assertThat(r.status(0)).isEqualTo(SendResult.Status.RETRY);
        assertThat(r.reason(0)).contains("closed");
        sink.close();
    }
}
