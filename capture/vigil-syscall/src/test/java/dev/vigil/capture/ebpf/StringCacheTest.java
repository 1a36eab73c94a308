package dev.vigil.capture.ebpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StringCacheTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aValueSeenAgainIsTheSameInstance() {
        StringCache c = new StringCache(64);
        byte[] buf = bytes("xx/etc/hostnameyy");
        String first = c.get(buf, 2, 13);
        String again = c.get(bytes("/etc/hostname"), 0, 13);
        assertThat(first).isEqualTo("/etc/hostname");
        assertThat(again).isSameAs(first);
        assertThat(c.hits()).isEqualTo(1);
        assertThat(c.misses()).isEqualTo(1);
    }

    @Test
    void differentBytesNeverShareAString() {
        StringCache c = new StringCache(2); // tiny: every value collides
        String[] values = {"a", "b", "ab", "ba", "é", "/tmp/x", "/tmp/y"};
        for (int round = 0; round < 3; round++) {
            for (String v : values) {
                assertThat(c.get(bytes(v), 0, bytes(v).length)).isEqualTo(v);
            }
        }
        assertThat(c.get(new byte[0], 0, 0)).isEmpty();
    }

    @Test
    void longValuesAreDecodedEveryTime() {
        StringCache c = new StringCache(64);
        byte[] big = bytes("p".repeat(StringCache.MAX_CACHED_BYTES + 1));
        String a = c.get(big, 0, big.length);
        String b = c.get(big, 0, big.length);
        assertThat(a).isEqualTo(b).isNotSameAs(b);
    }
}
