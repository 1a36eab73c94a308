package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class InternalAlertsTest {
    private final Fixtures.MutableClock clock = new Fixtures.MutableClock();
    private final List<FalcoAlert> seen = new CopyOnWriteArrayList<>();
    private final InternalAlerts alerts = new InternalAlerts("es", "elasticsearch", seen::add, clock);

    private void raise(String rule, long n) {
        alerts.raise(rule, () -> n + " dropped", () -> Map.of("vigil.dropped", n));
    }

    @Test
    void oneAlertPerRuleAndMinute() {
        raise(InternalAlerts.SPOOL_FULL, 1);
        raise(InternalAlerts.SPOOL_FULL, 2);
        clock.advance(Duration.ofSeconds(59));
        raise(InternalAlerts.SPOOL_FULL, 3);
        raise(InternalAlerts.DEAD_LETTER, 1); // another rule has its own minute
        clock.advance(Duration.ofSeconds(1));
        raise(InternalAlerts.SPOOL_FULL, 4);
        assertThat(seen).extracting(FalcoAlert::rule)
                .containsExactly(InternalAlerts.SPOOL_FULL, InternalAlerts.DEAD_LETTER, InternalAlerts.SPOOL_FULL);
        assertThat(seen.get(2).outputFields()).containsEntry("vigil.dropped", 4L);
    }

    @Test
    void theAlertIsAnInternalErrorNamingTheOutput() throws Exception {
        raise(InternalAlerts.SPOOL_FULL, 7);
        FalcoAlert a = seen.getFirst();
        assertThat(a.priority()).isEqualTo(Priority.ERROR);
        assertThat(a.source()).isEqualTo("internal");
        assertThat(a.uuid()).isNotBlank();
        assertThat(a.output()).isEqualTo("Vigil output 'es' (elasticsearch): 7 dropped");
        assertThat(a.outputFields()).containsEntry("vigil.output", "es").containsEntry("vigil.output.type", "elasticsearch");
        assertThat(a.time()).isEqualTo("2026-11-26T10:00:00.000000000Z");
        // it is a valid Falco alert
        assertThat(FalcoAlert.parse(a.toJsonBytes()).toJson()).isEqualTo(a.toJson());
    }

    @Test
    void aFailingConsumerDoesNotPropagate() {
        InternalAlerts broken = new InternalAlerts("x", "y", a -> {
            throw new IllegalStateException("consumer down");
        }, clock);
        broken.raise(InternalAlerts.QUEUE_FULL, () -> "t", Map::of);
    }
}
