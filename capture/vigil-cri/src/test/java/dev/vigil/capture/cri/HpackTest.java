package dev.vigil.capture.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The examples of RFC 7541 Appendix C, decoded, and the encoder read back. */
class HpackTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static List<String> lines(List<Hpack.Field> fields) {
        return fields.stream().map(f -> f.name() + ": " + f.value()).toList();
    }

    @Test
    void integerRepresentation() throws Exception {
        // C.1: 10 in a 5-bit prefix, 1337 in a 5-bit prefix, 42 at an octet boundary
        assertThat(Hpack.readInt(hex("0a"), new int[] {0}, 5)).isEqualTo(10);
        assertThat(Hpack.readInt(hex("1f9a0a"), new int[] {0}, 5)).isEqualTo(1337);
        assertThat(Hpack.readInt(hex("2a"), new int[] {0}, 8)).isEqualTo(42);
        var out = new java.io.ByteArrayOutputStream();
        Hpack.writeInt(out, 0, 5, 1337);
        assertThat(out.toByteArray()).isEqualTo(hex("1f9a0a"));
    }

    @Test
    void singleFieldExamples() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        // C.2.1 literal with indexing
        assertThat(lines(d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))))
                .containsExactly("custom-key: custom-header");
        assertThat(d.tableSize()).isEqualTo(55);
        // C.2.2 literal without indexing
        d = new Hpack.Decoder(4096);
        assertThat(lines(d.decode(hex("040c 2f73 616d 706c 652f 7061 7468")))).containsExactly(":path: /sample/path");
        assertThat(d.tableSize()).isZero();
        // C.2.3 never indexed
        assertThat(lines(d.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")))).containsExactly("password: secret");
        assertThat(d.tableSize()).isZero();
        // C.2.4 indexed
        assertThat(lines(d.decode(hex("82")))).containsExactly(":method: GET");
    }

    @Test
    void requestsWithoutHuffman() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        assertThat(lines(d.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))))
                .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com");
        assertThat(d.tableSize()).isEqualTo(57);
        assertThat(lines(d.decode(hex("8286 84be 5808 6e6f 2d63 6163 6865"))))
                .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com",
                        "cache-control: no-cache");
        assertThat(d.tableSize()).isEqualTo(110);
        assertThat(lines(d.decode(hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"))))
                .containsExactly(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com",
                        "custom-key: custom-value");
        assertThat(d.tableSize()).isEqualTo(164);
        assertThat(lines(d.table())).containsExactly("custom-key: custom-value", "cache-control: no-cache",
                ":authority: www.example.com");
    }

    @Test
    void requestsWithHuffman() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        assertThat(lines(d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))))
                .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com");
        assertThat(lines(d.decode(hex("8286 84be 5886 a8eb 1064 9cbf"))))
                .endsWith("cache-control: no-cache");
        assertThat(lines(d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))))
                .containsExactly(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com",
                        "custom-key: custom-value");
        assertThat(d.tableSize()).isEqualTo(164);
    }

    private static final String DATE1 = "date: Mon, 21 Oct 2013 20:13:21 GMT";
    private static final String DATE2 = "date: Mon, 21 Oct 2013 20:13:22 GMT";
    private static final String COOKIE = "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    @Test
    void responsesWithoutHuffmanEvictFromASmallTable() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(256);
        assertThat(lines(d.decode(hex("4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230"
                + "3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))))
                .containsExactly(":status: 302", "cache-control: private", DATE1, "location: https://www.example.com");
        assertThat(d.tableSize()).isEqualTo(222);
        assertThat(lines(d.decode(hex("4803 3330 37c1 c0bf"))))
                .containsExactly(":status: 307", "cache-control: private", DATE1, "location: https://www.example.com");
        assertThat(d.tableSize()).isEqualTo(222);
        assertThat(lines(d.decode(hex("88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220"
                + "474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745"
                + "4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31"))))
                .containsExactly(":status: 200", "cache-control: private", DATE2, "location: https://www.example.com",
                        "content-encoding: gzip", COOKIE);
        assertThat(d.tableSize()).isEqualTo(215);
        assertThat(lines(d.table())).containsExactly(COOKIE, "content-encoding: gzip", DATE2);
    }

    @Test
    void responsesWithHuffman() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(256);
        assertThat(lines(d.decode(hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0"
                + "82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"))))
                .containsExactly(":status: 302", "cache-control: private", DATE1, "location: https://www.example.com");
        assertThat(lines(d.decode(hex("4883 640e ffc1 c0bf"))))
                .containsExactly(":status: 307", "cache-control: private", DATE1, "location: https://www.example.com");
        assertThat(lines(d.decode(hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b"
                + "d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0"
                + "03ed 4ee5 b106 3d50 07"))))
                .containsExactly(":status: 200", "cache-control: private", DATE2, "location: https://www.example.com",
                        "content-encoding: gzip", COOKIE);
        assertThat(d.tableSize()).isEqualTo(215);
    }

    @Test
    void tableSizeUpdateEvictsAndIsBounded() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        assertThat(d.tableSize()).isEqualTo(55);
        d.decode(hex("20")); // size update to 0
        assertThat(d.tableSize()).isZero();
        assertThatThrownBy(() -> d.decode(hex("3fe21f"))) // 4097
                .isInstanceOf(Hpack.HpackException.class).hasMessageContaining("above 4096");
        assertThatThrownBy(() -> d.decode(hex("82 20"))).isInstanceOf(Hpack.HpackException.class);
    }

    @Test
    void malformedBlocksAreErrors() {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        assertThatThrownBy(() -> d.decode(hex("80"))).isInstanceOf(Hpack.HpackException.class);
        assertThatThrownBy(() -> d.decode(hex("be"))).hasMessageContaining("beyond the dynamic table");
        assertThatThrownBy(() -> d.decode(hex("040c 2f73"))).hasMessageContaining("beyond the block");
        // Huffman: padding of 8 ones, and padding that is not all ones
        assertThatThrownBy(() -> d.decode(hex("0082 1fff 00"))).isInstanceOf(Hpack.HpackException.class);
        assertThatThrownBy(() -> d.decode(hex("0081 00 00"))).isInstanceOf(Hpack.HpackException.class);
    }

    @Test
    void encoderWritesLiteralsTheDecoderReads() throws Exception {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":path", "/runtime.v1.RuntimeService/ContainerStatus");
        h.put("grpc-timeout", "5000m");
        h.put("x-long", "v".repeat(300));
        byte[] block = Hpack.encode(h);
        assertThat(block[0]).isZero();
        Hpack.Decoder d = new Hpack.Decoder(4096);
        assertThat(lines(d.decode(block))).containsExactly(":path: /runtime.v1.RuntimeService/ContainerStatus",
                "grpc-timeout: 5000m", "x-long: " + "v".repeat(300));
        assertThat(d.tableSize()).isZero();
    }
}
