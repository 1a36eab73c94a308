package dev.vigil.outputs.http;

/** {@code loki}: Grafana Loki push API, batched streams with low-cardinality labels. */
public final class LokiFactory extends BaseFactory {
    public LokiFactory() {
        super("loki", "Grafana Loki push API, batched streams with low-cardinality labels",
                http("hostport", "endpoint", "tenant", "user", "apikey", "extralabels", "format"),
                LokiSink::create);
    }
}
