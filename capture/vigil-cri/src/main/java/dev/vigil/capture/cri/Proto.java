package dev.vigil.capture.cri;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The protobuf wire format (proto3), enough for the CRI messages Vigil sends and reads: varints,
 * length-delimited fields (strings, bytes, nested messages, map entries); 32- and 64-bit fields are
 * skipped when read. Unknown fields are skipped, as protobuf requires.
 */
public final class Proto {
    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    private Proto() {}

    /** The wire data was not a valid protobuf message. */
    public static final class ProtoException extends RuntimeException {
        ProtoException(String message) {
            super(message);
        }
    }

    /** Builds a message; fields with default values (0, false, "") are left out as proto3 does. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer string(int field, String value) {
            if (value != null && !value.isEmpty()) {
                bytes(field, value.getBytes(StandardCharsets.UTF_8));
            }
            return this;
        }

        public Writer bytes(int field, byte[] value) {
            tag(field, LEN);
            varint(value.length);
            out.write(value, 0, value.length);
            return this;
        }

        public Writer message(int field, Writer nested) {
            return bytes(field, nested.toByteArray());
        }

        public Writer int64(int field, long value) {
            if (value != 0) {
                tag(field, VARINT);
                varint(value);
            }
            return this;
        }

        public Writer bool(int field, boolean value) {
            return int64(field, value ? 1 : 0);
        }

        /** A {@code map<string,string>}: one entry message {1: key, 2: value} per pair. */
        public Writer map(int field, Map<String, String> entries) {
            entries.forEach((k, v) -> message(field, new Writer().string(1, k).string(2, v)));
            return this;
        }

        private void tag(int field, int wireType) {
            varint(((long) field << 3) | wireType);
        }

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /**
     * Reads a message field by field: {@code while (r.next()) switch (r.field()) ...}; the value of
     * the current field is read with one of the value methods, or skipped when none is called.
     */
    public static final class Reader {
        private final byte[] b;
        private final int end;
        private int pos;
        private int field;
        private int wireType;
        private long varint;
        private int valueStart;
        private int valueLen;

        public Reader(byte[] b) {
            this(b, 0, b.length);
        }

        private Reader(byte[] b, int off, int len) {
            this.b = b;
            this.pos = off;
            this.end = off + len;
        }

        /** Moves to the next field; false at the end of the message. */
        public boolean next() {
            if (pos >= end) {
                return false;
            }
            long tag = readVarint();
            field = (int) (tag >>> 3);
            wireType = (int) (tag & 7);
            if (field <= 0) {
                throw new ProtoException("field number 0 at offset " + pos);
            }
            switch (wireType) {
                case VARINT -> varint = readVarint();
                case I64 -> skip(8);
                case I32 -> skip(4);
                case LEN -> {
                    long len = readVarint();
                    if (len < 0 || len > end - pos) {
                        throw new ProtoException("length " + len + " of field " + field + " beyond the message");
                    }
                    valueStart = pos;
                    valueLen = (int) len;
                    pos += (int) len;
                }
                default -> throw new ProtoException("unsupported wire type " + wireType + " for field " + field);
            }
            return true;
        }

        public int field() {
            return field;
        }

        public int wireType() {
            return wireType;
        }

        public long int64() {
            expect(VARINT);
            return varint;
        }

        public boolean bool() {
            return int64() != 0;
        }

        public String string() {
            expect(LEN);
            return new String(b, valueStart, valueLen, StandardCharsets.UTF_8);
        }

        public Reader message() {
            expect(LEN);
            return new Reader(b, valueStart, valueLen);
        }

        /** Adds the current {@code map<string,string>} entry to {@code into}. */
        public void mapEntry(Map<String, String> into) {
            Reader e = message();
            String k = "";
            String v = "";
            while (e.next()) {
                if (e.field() == 1) {
                    k = e.string();
                } else if (e.field() == 2) {
                    v = e.string();
                }
            }
            into.put(k, v);
        }

        private void expect(int type) {
            if (wireType != type) {
                throw new ProtoException("field " + field + " has wire type " + wireType + ", expected " + type);
            }
        }

        private void skip(int n) {
            if (n > end - pos) {
                throw new ProtoException("truncated fixed-size field " + field);
            }
            pos += n;
        }

        private long readVarint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new ProtoException("truncated varint");
                }
                int c = b[pos++] & 0xFF;
                v |= (long) (c & 0x7F) << shift;
                if ((c & 0x80) == 0) {
                    return v;
                }
            }
            throw new ProtoException("varint longer than 10 bytes");
        }
    }
}
