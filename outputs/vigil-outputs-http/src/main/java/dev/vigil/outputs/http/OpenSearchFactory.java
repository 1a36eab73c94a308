package dev.vigil.outputs.http;

/** {@code opensearch}: OpenSearch _bulk, idempotent by alert uuid, daily indices or a data stream. */
public final class OpenSearchFactory extends BaseFactory {
    public OpenSearchFactory() {
        super("opensearch", "OpenSearch _bulk, idempotent by alert uuid, daily indices or a data stream",
                ElasticSink.KEYS,
                ElasticSink::create);
    }
}
