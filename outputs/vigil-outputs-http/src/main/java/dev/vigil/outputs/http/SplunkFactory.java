package dev.vigil.outputs.http;

/** {@code splunk}: Splunk HTTP Event Collector, batched events. */
public final class SplunkFactory extends BaseFactory {
    public SplunkFactory() {
        super("splunk", "Splunk HTTP Event Collector, batched events",
                http("url", "token", "index", "source", "sourcetype", "host"),
                SplunkSink::create);
    }
}
