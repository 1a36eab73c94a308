package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Prints each alert as its JSON line or, in text form, its output line (line breaks turned into
 * spaces); a log record as its JSON document or, in text form, its message.
 */
final class StdoutSink extends AlertSink {
    private final PrintStream out;
    private final boolean text;

    StdoutSink(PrintStream out, boolean text) {
        this.out = out;
        this.text = text;
    }

    @Override
    public Batching batching() {
        return new Batching(500, 1 << 20, Duration.ZERO);
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) {
        StringBuilder sb = new StringBuilder(alerts.size() * 512);
        for (FalcoAlert a : alerts) {
            if (text) {
                sb.append(Look.summary(a).replace('\r', ' ').replace('\n', ' '));
            } else {
                sb.append(a.toJson());
            }
            sb.append('\n');
        }
        return print(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    SendResult deliverLogs(List<Envelope> logs) throws InterruptedException {
        if (text) {
            return records(logs, rs -> {
                StringBuilder sb = new StringBuilder(rs.size() * 128);
                for (LogItem r : rs) {
                    sb.append(r.record().message().replace('\r', ' ').replace('\n', ' ')).append('\n');
                }
                return print(sb.toString().getBytes(StandardCharsets.UTF_8));
            });
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(logs.size() * 256);
        for (Envelope e : logs) {
            b.write(e.body(), 1, e.body().length - 1);
            b.write('\n');
        }
        return print(b.toByteArray());
    }

    private SendResult print(byte[] bytes) {
        out.write(bytes, 0, bytes.length);
        out.flush();
        return out.checkError() ? SendResult.retry("writing to standard output failed") : SendResult.ok();
    }
}
