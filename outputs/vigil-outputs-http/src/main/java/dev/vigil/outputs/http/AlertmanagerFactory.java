package dev.vigil.outputs.http;

/** {@code alertmanager}: Prometheus Alertmanager API v2, batched, to one or several instances. */
public final class AlertmanagerFactory extends BaseFactory {
    public AlertmanagerFactory() {
        super("alertmanager", "Prometheus Alertmanager API v2, batched, to one or several instances",
                http("hostport", "endpoint", "expiresafter", "extralabels", "extraannotations", "customseveritymap"),
                AlertmanagerSink::create);
    }
}
