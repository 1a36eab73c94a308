package dev.vigil.outputs.http;

/** {@code pagerduty}: PagerDuty Events API v2, a trigger per alert deduplicated by its uuid. */
public final class PagerDutyFactory extends BaseFactory {
    public PagerDutyFactory() {
        super("pagerduty", "PagerDuty Events API v2, a trigger per alert deduplicated by its uuid",
                http("routingkey", "region", "url"),
                PagerDutySink::create);
    }
}
