package dev.vigil.outputs.kafka;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process Kafka broker for the test class that registers this extension in a static
 * field; a broker that does not start fails the class.
 */
final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private KafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = KafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    KafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs only while the test class does");
        }
        return broker;
    }
}
