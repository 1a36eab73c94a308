package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pipeline.SendResult.Status;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.InvalidTopicException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void transientErrorsAreRetried() {
        assertThat(Failures.status(new TimeoutException("Topic t not present in metadata after 2000 ms.")))
                .isEqualTo(Status.RETRY);
        assertThat(Failures.status(new BrokerNotAvailableException("gone"))).isEqualTo(Status.RETRY);
        assertThat(Failures.status(new NetworkException("reset"))).isEqualTo(Status.RETRY);
        assertThat(Failures.status(new NotLeaderOrFollowerException("moved"))).isEqualTo(Status.RETRY);
        assertThat(Failures.status(new NotEnoughReplicasException("isr"))).isEqualTo(Status.RETRY);
        assertThat(Failures.status(new UnknownTopicOrPartitionException("t"))).isEqualTo(Status.RETRY);
        // unknown to the list: better late than lost
        assertThat(Failures.status(new UnknownServerException("?"))).isEqualTo(Status.RETRY);
        assertThat(Failures.status(new IllegalStateException("closed"))).isEqualTo(Status.RETRY);
    }

    @Test
    void refusalsThatResendingCannotFixAreRejected() {
        assertThat(Failures.status(new RecordTooLargeException("big"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new TopicAuthorizationException(Set.of("t")))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new SaslAuthenticationException("bad password"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new InvalidTopicException("bad name"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new SerializationException("x"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new InvalidRecordException("x"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new UnsupportedVersionException("zstd"))).isEqualTo(Status.REJECT);
        assertThat(Failures.status(new KafkaException("wrapped", new RecordTooLargeException("big"))))
                .isEqualTo(Status.REJECT);
    }

    @Test
    void reasonsNameTheErrorType() {
        assertThat(Failures.reason(new RecordTooLargeException("The message is 2000000 bytes.")))
                .isEqualTo("RecordTooLargeException: The message is 2000000 bytes.");
        assertThat(Failures.reason(new NetworkException())).isEqualTo("NetworkException");
    }
}
