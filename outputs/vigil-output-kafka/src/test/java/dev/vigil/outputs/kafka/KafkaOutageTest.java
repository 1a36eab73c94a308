package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One sink across a broker outage: it reports RETRY while the broker is away and delivers again after. */
class KafkaOutageTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    @Test
    void theSameSinkRecoversWhenTheBrokerComesBack() throws Exception {
        KafkaBroker broker = BROKER.broker();
        String topic = "outage";
        broker.createTopic(topic, 1);
        try (Sink sink = KafkaSinkTest.sink(broker.bootstrap(), "topic", topic, "timeout", "2s")) {
            KafkaSinkTest.assertAll(sink.send(List.of(Alerts.envelope(0))), 1, Status.DELIVERED);

            broker.stopServer();
            List<Envelope> during = List.of(Alerts.envelope(1), Alerts.envelope(2), Alerts.envelope(3));
            for (int attempt = 0; attempt < 2; attempt++) {
                long start = System.nanoTime();
                SendResult r = sink.send(during);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                KafkaSinkTest.assertAll(r, during.size(), Status.RETRY);
                assertThat(r.reason(0)).contains("TimeoutException");
                assertThat(took).as("attempt %d", attempt).isLessThan(Duration.ofSeconds(4));
            }

            broker.startServer();
            // the producer reconnects on its own; the pipeline would resend after a backoff
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            SendResult r;
            do {
                r = sink.send(during);
            } while (!r.allDelivered() && System.nanoTime() - deadline < 0);
            KafkaSinkTest.assertAll(r, during.size(), Status.DELIVERED);
        }
        // the first alert and at least one copy of each resent one
        assertThat(broker.consume(topic, 4)).hasSizeGreaterThanOrEqualTo(4);
    }
}
