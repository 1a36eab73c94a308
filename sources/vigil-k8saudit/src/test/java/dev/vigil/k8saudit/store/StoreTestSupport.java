package dev.vigil.k8saudit.store;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

final class StoreTestSupport {
    private StoreTestSupport() {}

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        long millis = 1_700_000_000_000L;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    static AuditEvent event(int n) {
        return event("id-" + n, "ResponseComplete", n);
    }

    static AuditEvent event(String id, String stage, int n) {
        String json = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"" + id + "\",\"stage\":\"" + stage
                + "\",\"requestURI\":\"/api/v1/namespaces/default/pods/p" + n + "\",\"verb\":\"get\",\"user\":{\"username\":\"u\"},"
                + "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\",\"name\":\"p" + n + "\"},\"responseStatus\":{\"code\":200},"
                + "\"requestReceivedTimestamp\":\"2024-01-01T00:00:00.000000Z\",\"stageTimestamp\":\"2024-01-01T00:00:" + String.format("%02d", n % 60)
                + "." + String.format("%06d", n) + "Z\"}";
        try {
            return AuditEventParser.parse(json).getFirst();
        } catch (AuditEventParser.AuditFormatException e) {
            throw new AssertionError(e);
        }
    }

    static List<AuditEvent> events(int from, int to) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(event(i));
        }
        return out;
    }

    static Path segment(Path dir, long index) {
        return dir.resolve(StoreFormat.segmentName(index));
    }
}
