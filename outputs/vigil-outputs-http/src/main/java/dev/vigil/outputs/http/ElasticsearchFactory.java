package dev.vigil.outputs.http;

/** {@code elasticsearch}: Elasticsearch _bulk, idempotent by alert uuid, daily indices or a data stream. */
public final class ElasticsearchFactory extends BaseFactory {
    public ElasticsearchFactory() {
        super("elasticsearch", "Elasticsearch _bulk, idempotent by alert uuid, daily indices or a data stream",
                ElasticSink.KEYS,
                ElasticSink::create);
    }
}
