package dev.vigil.capture.cri;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * HPACK (RFC 7541), as much as a gRPC client needs: {@link #encode} writes every field as a
 * literal without indexing (no Huffman, so the encoder keeps no state); {@link Decoder} reads
 * everything a server may send: indexed fields from the static and dynamic tables, literals with
 * and without incremental indexing, never-indexed literals, table size updates and Huffman strings.
 */
final class Hpack {
    private Hpack() {}

    /** An HPACK block could not be decoded: a connection error (COMPRESSION_ERROR). */
    static final class HpackException extends Exception {
        HpackException(String message) {
            super(message);
        }
    }

    /** One decoded header field. */
    record Field(String name, String value) {
        /** Bytes this entry takes in a dynamic table (RFC 7541 section 4.1). */
        int size() {
            return name.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length + 32;
        }
    }

    /** The static table of RFC 7541 Appendix A; index 1 is element 0. */
    static final List<Field> STATIC = List.of(
            new Field(":authority", ""), new Field(":method", "GET"), new Field(":method", "POST"),
            new Field(":path", "/"), new Field(":path", "/index.html"), new Field(":scheme", "http"),
            new Field(":scheme", "https"), new Field(":status", "200"), new Field(":status", "204"),
            new Field(":status", "206"), new Field(":status", "304"), new Field(":status", "400"),
            new Field(":status", "404"), new Field(":status", "500"), new Field("accept-charset", ""),
            new Field("accept-encoding", "gzip, deflate"), new Field("accept-language", ""),
            new Field("accept-ranges", ""), new Field("accept", ""), new Field("access-control-allow-origin", ""),
            new Field("age", ""), new Field("allow", ""), new Field("authorization", ""),
            new Field("cache-control", ""), new Field("content-disposition", ""), new Field("content-encoding", ""),
            new Field("content-language", ""), new Field("content-length", ""), new Field("content-location", ""),
            new Field("content-range", ""), new Field("content-type", ""), new Field("cookie", ""),
            new Field("date", ""), new Field("etag", ""), new Field("expect", ""), new Field("expires", ""),
            new Field("from", ""), new Field("host", ""), new Field("if-match", ""),
            new Field("if-modified-since", ""), new Field("if-none-match", ""), new Field("if-range", ""),
            new Field("if-unmodified-since", ""), new Field("last-modified", ""), new Field("link", ""),
            new Field("location", ""), new Field("max-forwards", ""), new Field("proxy-authenticate", ""),
            new Field("proxy-authorization", ""), new Field("range", ""), new Field("referer", ""),
            new Field("refresh", ""), new Field("retry-after", ""), new Field("server", ""),
            new Field("set-cookie", ""), new Field("strict-transport-security", ""),
            new Field("transfer-encoding", ""), new Field("user-agent", ""), new Field("vary", ""),
            new Field("via", ""), new Field("www-authenticate", ""));

    /** Encodes fields as literals without indexing, names and values as raw (not Huffman) strings. */
    static byte[] encode(Map<String, String> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach((name, value) -> {
            out.write(0x00);
            writeString(out, name);
            writeString(out, value);
        });
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeInt(out, 0x00, 7, b.length);
        out.write(b, 0, b.length);
    }

    /** Writes an integer with an N-bit prefix (RFC 7541 section 5.1); {@code flags} holds the bits above the prefix. */
    static void writeInt(ByteArrayOutputStream out, int flags, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(flags | value);
            return;
        }
        out.write(flags | max);
        value -= max;
        while (value >= 0x80) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /**
     * A decoder with its dynamic table: one per connection, fed every header block in order. The
     * table may grow up to the size this client announced (SETTINGS_HEADER_TABLE_SIZE, 4096 by
     * default); a size update above that is an error.
     */
    static final class Decoder {
        private final int maxAllowed;
        private int capacity;
        private int size;
        /** Newest first: dynamic index 62 is the head. */
        private final ArrayDeque<Field> dynamic = new ArrayDeque<>();

        Decoder(int maxTableSize) {
            this.maxAllowed = maxTableSize;
            this.capacity = maxTableSize;
        }

        int tableSize() {
            return size;
        }

        List<Field> table() {
            return List.copyOf(dynamic);
        }

        /** Decodes one complete header block (HEADERS plus its CONTINUATIONs). */
        /** The most a decoded header list may hold (names, values and 32 bytes per field, as RFC 7541 counts). */
        static final long MAX_HEADER_LIST = 1 << 20;

        List<Field> decode(byte[] block) throws HpackException {
            List<Field> out = new ArrayList<>();
            int[] pos = {0};
            boolean fieldSeen = false;
            long listSize = 0;
            while (pos[0] < block.length) {
                if (!out.isEmpty()) {
                    Field last = out.getLast();
                    listSize += last.name().length() + last.value().length() + 32L;
                    if (listSize > MAX_HEADER_LIST) { // indexed references to a large entry would otherwise multiply it
                        throw new HpackException("decoded header list over " + MAX_HEADER_LIST + " bytes");
                    }
                }
                int b = block[pos[0]] & 0xFF;
                if ((b & 0x80) != 0) {
                    int index = readInt(block, pos, 7);
                    out.add(lookup(index));
                    fieldSeen = true;
                } else if ((b & 0xC0) == 0x40) {
                    Field f = readLiteral(block, pos, 6);
                    add(f);
                    out.add(f);
                    fieldSeen = true;
                } else if ((b & 0xE0) == 0x20) {
                    if (fieldSeen) {
                        throw new HpackException("dynamic table size update after a header field");
                    }
                    int newSize = readInt(block, pos, 5);
                    if (newSize > maxAllowed) {
                        throw new HpackException("dynamic table size update to " + newSize + " above " + maxAllowed);
                    }
                    capacity = newSize;
                    evict(0);
                } else {
                    // 0000xxxx without indexing, 0001xxxx never indexed: same layout
                    out.add(readLiteral(block, pos, 4));
                    fieldSeen = true;
                }
            }
            return out;
        }

        private Field readLiteral(byte[] block, int[] pos, int prefixBits) throws HpackException {
            int index = readInt(block, pos, prefixBits);
            String name = index == 0 ? readString(block, pos) : lookup(index).name();
            return new Field(name, readString(block, pos));
        }

        private Field lookup(int index) throws HpackException {
            if (index <= 0) {
                throw new HpackException("header index 0");
            }
            if (index <= STATIC.size()) {
                return STATIC.get(index - 1);
            }
            int d = index - STATIC.size() - 1;
            if (d >= dynamic.size()) {
                throw new HpackException("header index " + index + " beyond the dynamic table (" + dynamic.size() + " entries)");
            }
            Iterator<Field> it = dynamic.iterator();
            for (int i = 0; i < d; i++) {
                it.next();
            }
            return it.next();
        }

        private void add(Field f) {
            int s = f.size();
            if (s > capacity) {
                dynamic.clear();
                size = 0;
                return;
            }
            evict(s);
            dynamic.addFirst(f);
            size += s;
        }

        private void evict(int room) {
            while (size + room > capacity && !dynamic.isEmpty()) {
                size -= dynamic.removeLast().size();
            }
        }
    }

    /** Reads an integer with an N-bit prefix at {@code pos[0]}, advancing it. */
    static int readInt(byte[] b, int[] pos, int prefixBits) throws HpackException {
        if (pos[0] >= b.length) {
            throw new HpackException("truncated integer");
        }
        int max = (1 << prefixBits) - 1;
        int value = b[pos[0]++] & max;
        if (value < max) {
            return value;
        }
        int shift = 0;
        while (true) {
            if (pos[0] >= b.length) {
                throw new HpackException("truncated integer");
            }
            int c = b[pos[0]++] & 0xFF;
            if (shift > 21) {
                throw new HpackException("integer too large");
            }
            value += (c & 0x7F) << shift;
            if ((c & 0x80) == 0) {
                return value;
            }
            shift += 7;
        }
    }

    private static String readString(byte[] b, int[] pos) throws HpackException {
        if (pos[0] >= b.length) {
            throw new HpackException("truncated string");
        }
        boolean huffman = (b[pos[0]] & 0x80) != 0;
        int len = readInt(b, pos, 7);
        if (len > b.length - pos[0]) {
            throw new HpackException("string of " + len + " bytes beyond the block");
        }
        int start = pos[0];
        pos[0] += len;
        if (huffman) {
            return new String(Huffman.decode(b, start, len), StandardCharsets.UTF_8);
        }
        return new String(b, start, len, StandardCharsets.UTF_8);
    }

    /** Decoding of the static Huffman code through a binary tree built once from {@link HuffmanTable}. */
    static final class Huffman {
        /** Tree nodes: children[2n] and children[2n+1]; a leaf is stored as -(symbol + 1). */
        private static final int[] CHILDREN;

        static {
            int[] children = new int[2 * 2 * 257];
            int nodes = 1;
            for (int sym = 0; sym <= 256; sym++) {
                int code = HuffmanTable.CODES[sym];
                int len = HuffmanTable.LENGTHS[sym];
                int node = 0;
                for (int bit = len - 1; bit >= 0; bit--) {
                    int slot = 2 * node + ((code >>> bit) & 1);
                    if (bit == 0) {
                        children[slot] = -(sym + 1);
                    } else {
                        if (children[slot] == 0) {
                            children[slot] = nodes++;
                        }
                        node = children[slot];
                    }
                }
            }
            CHILDREN = children;
        }

        private Huffman() {}

        static byte[] decode(byte[] b, int off, int len) throws HpackException {
            ByteArrayOutputStream out = new ByteArrayOutputStream(len * 8 / 5 + 1);
            int node = 0;
            int depth = 0;
            boolean allOnes = true;
            for (int i = off; i < off + len; i++) {
                int c = b[i] & 0xFF;
                for (int bit = 7; bit >= 0; bit--) {
                    int v = (c >>> bit) & 1;
                    int next = CHILDREN[2 * node + v];
                    depth++;
                    allOnes &= v == 1;
                    if (next < 0) {
                        int sym = -next - 1;
                        if (sym == 256) {
                            throw new HpackException("EOS symbol in a Huffman string");
                        }
                        out.write(sym);
                        node = 0;
                        depth = 0;
                        allOnes = true;
                    } else if (next == 0) {
                        throw new HpackException("invalid Huffman code");
                    } else {
                        node = next;
                    }
                }
            }
            // padding: fewer than 8 bits, all ones (the most significant bits of EOS)
            if (depth > 7 || !allOnes) {
                throw new HpackException("invalid Huffman padding");
            }
            return out.toByteArray();
        }
    }
}
