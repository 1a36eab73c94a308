package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Prints each alert as its JSON line or, in text form, its output line (line breaks turned into spaces). */
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
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        out.flush();
        return out.checkError() ? SendResult.retry("writing to standard output failed") : SendResult.ok();
    }
}
