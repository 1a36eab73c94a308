package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Sends alerts (and log records) to one Kafka topic with one producer. A batch is handed to the producer in one go
 * and each record's acknowledgement is awaited until the configured timeout (plus a little slack
 * for the client to report its own expiry), so {@link #send} returns within about that time
 * whatever the brokers do. The client retries transient errors itself inside that time; what is
 * still failing then is reported per item for the pipeline to retry or dead-letter.
 *
 * <p>An item whose acknowledgement did not come in time is reported RETRY although the broker may
 * still store it later: delivery is at least once, and consumers can drop repeats by the
 * {@code vigil.uuid} header.
 */
final class KafkaSink implements Sink {
    /** Up to 500 alerts or 4 MiB per send, gathered for at most 50 ms. */
    static final Batching BATCHING = new Batching(500, 4L << 20, Duration.ofMillis(50));
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final KafkaSettings settings;
    private final RecordMapper mapper;
    private final long slackNanos;
    /** Null while no bootstrap host resolves (DNS not ready yet); built on a later send. */
    private volatile Producer<byte[], byte[]> producer;
    // close() may come from the thread that stops the worker while a send is still running
    private volatile boolean closed;
    private volatile Admin admin;
    private boolean topicSettled;
    /** Why creating the topic failed for good, added to the reasons of failed items; or null. */
    private String topicProblem;

    KafkaSink(KafkaSettings settings) throws ConfigException {
        this.settings = settings;
        this.mapper = new RecordMapper(settings.topic(), settings.key());
        this.slackNanos = Math.min(Duration.ofSeconds(1).toNanos(), settings.timeout().toNanos() / 4);
        this.topicSettled = !settings.topicCreation();
        // Build the producer now so a bad setting shows at start-up. The client refuses to start
        // when no bootstrap name resolves; in a starting cluster that is usually DNS lagging
        // behind, so the producer is then built by a later send instead.
        if (anyHostResolves(settings.brokerHosts())) {
            try {
                producer = new KafkaProducer<>(settings.producer());
            } catch (KafkaException e) {
                throw new ConfigException("output '" + settings.output() + "' (kafka): cannot create the producer: "
                        + Failures.reason(e.getCause() != null ? e.getCause() : e), e);
            }
        }
    }

    private static boolean anyHostResolves(List<String> hosts) {
        for (String h : hosts) {
            try {
                InetAddress.getAllByName(h);
                return true;
            } catch (UnknownHostException e) {
                // try the next one
            }
        }
        return false;
    }

    @Override
    public Batching batching() {
        return BATCHING;
    }

    @Override
    public SendResult send(List<Envelope> batch) throws InterruptedException {
        long deadline = System.nanoTime() + settings.timeout().toNanos() + slackNanos;
        if (closed) {
            return SendResult.retry("the Kafka output is closed");
        }
        Producer<byte[], byte[]> p = producer;
        if (p == null) {
            try {
                p = new KafkaProducer<>(settings.producer());
            } catch (KafkaException e) {
                return SendResult.retry("cannot create the producer: " + Failures.reason(e.getCause() != null ? e.getCause() : e));
            }
            producer = p;
        }
        if (!topicSettled) {
            String problem = createTopic(deadline);
            if (problem != null) {
                return SendResult.retry(problem);
            }
        }
        int n = batch.size();
        Status[] status = new Status[n];
        String[] reasons = new String[n];
        @SuppressWarnings("unchecked")
        Future<RecordMetadata>[] pending = new Future[n];
        String giveUp = null;
        for (int i = 0; i < n; i++) {
            if (giveUp == null && System.nanoTime() - deadline >= 0) {
                giveUp = "not handed to Kafka within " + settings.timeout().toMillis() + " ms";
            }
            if (giveUp != null) {
                status[i] = Status.RETRY;
                reasons[i] = giveUp;
                continue;
            }
            ProducerRecord<byte[], byte[]> record;
            try {
                record = mapper.record(batch.get(i));
            } catch (AlertFormatException e) {
                status[i] = Status.REJECT;
                reasons[i] = (batch.get(i).isLog() ? "not a valid log record: " : "not a Falco alert: ") + e.getMessage();
                continue;
            }
            try {
                pending[i] = p.send(record);
            } catch (InterruptException e) {
                throw interrupted(e);
            } catch (KafkaException | IllegalStateException e) {
                fail(i, e, status, reasons);
            }
            // the client fails a record at once when it is too large, or after waiting in vain
            // for the topic's metadata; in the second case the rest would wait the same way
            if (pending[i] != null && pending[i].isDone()) {
                settle(i, pending[i], deadline, status, reasons);
                pending[i] = null;
            }
            if (status[i] == Status.RETRY) {
                giveUp = "not sent after an earlier alert of the batch failed: " + reasons[i];
            }
        }
        for (int i = 0; i < n; i++) {
            if (pending[i] != null) {
                settle(i, pending[i], deadline, status, reasons);
            }
        }
        return result(status, reasons);
    }

    private SendResult result(Status[] status, String[] reasons) {
        boolean all = true;
        for (int i = 0; i < status.length; i++) {
            all &= status[i] == Status.DELIVERED;
            if (status[i] == Status.RETRY && topicProblem != null) {
                reasons[i] += " (creating the topic failed: " + topicProblem + ")";
            }
        }
        return all ? SendResult.ok() : SendResult.perItem(status, reasons);
    }

    /** Waits for one record's acknowledgement until the deadline and records the outcome. */
    private void settle(int i, Future<RecordMetadata> f, long deadline, Status[] status, String[] reasons)
            throws InterruptedException {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            status[i] = Status.DELIVERED;
        } catch (ExecutionException e) {
            fail(i, e.getCause() == null ? e : e.getCause(), status, reasons);
        } catch (TimeoutException e) {
            status[i] = Status.RETRY;
            reasons[i] = "no acknowledgement from Kafka within " + settings.timeout().toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private static void fail(int i, Throwable error, Status[] status, String[] reasons) {
        status[i] = Failures.status(error);
        reasons[i] = Failures.reason(error);
    }

    /** Kafka's own interruption exception has already set the thread's flag again. */
    private static InterruptedException interrupted(InterruptException e) {
        InterruptedException ie = new InterruptedException("interrupted while sending to Kafka");
        ie.initCause(e);
        return ie;
    }

    /**
     * Creates the topic with the brokers' default partition count and replication factor.
     * Returns why the batch must wait (brokers unreachable), or null to go on sending: the
     * topic is there, or creating it is refused for good (no permission, a policy), in which
     * case sending still works if someone else created it.
     */
    private String createTopic(long deadline) throws InterruptedException {
        try {
            Admin a = admin;
            if (a == null) {
                a = Admin.create(settings.admin());
                admin = a;
            }
            NewTopic topic = new NewTopic(settings.topic(), Optional.empty(), Optional.empty());
            int ms = (int) settings.timeout().toMillis();
            a.createTopics(List.of(topic), new CreateTopicsOptions().timeoutMs(ms)).all()
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (!(cause instanceof TopicExistsException)) {
                if (Failures.status(cause) == Status.RETRY) {
                    return "creating topic '" + settings.topic() + "': " + Failures.reason(cause);
                }
                topicProblem = Failures.reason(cause);
            }
        } catch (TimeoutException e) {
            return "creating topic '" + settings.topic() + "': no answer within " + settings.timeout().toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        } catch (KafkaException e) {
            return "creating topic '" + settings.topic() + "': " + Failures.reason(e);
        }
        topicSettled = true;
        closeAdmin();
        return null;
    }

    private void closeAdmin() {
        Admin a = admin;
        admin = null;
        if (a != null) {
            a.close(CLOSE_WAIT);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeAdmin();
        Producer<byte[], byte[]> p = producer;
        if (p != null) {
            // a send still running then fails its remaining items with RETRY
            p.close(CLOSE_WAIT);
        }
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
