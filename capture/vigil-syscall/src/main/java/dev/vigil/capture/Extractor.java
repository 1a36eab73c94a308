package dev.vigil.capture;

/**
 * Extracts one field of a {@link LiveEvent}. One instance per field slot, built once per rule
 * load. Numeric and boolean extractors answer {@link #has} and {@link #longValue} without boxing.
 */
abstract class Extractor {
    /** Sentinel for "absent" in numeric lambdas. */
    static final long NONE = Long.MIN_VALUE;

    static final Extractor ABSENT = new Extractor() {
        @Override
        Object value(LiveEvent e) {
            return null;
        }

        @Override
        boolean has(LiveEvent e) {
            return false;
        }
    };

    abstract Object value(LiveEvent e);

    boolean has(LiveEvent e) {
        return value(e) != null;
    }

    long longValue(LiveEvent e) {
        Object v = value(e);
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }

    interface Str {
        String get(LiveEvent e);
    }

    interface Num {
        /** The value, or {@link #NONE} when absent. */
        long get(LiveEvent e);
    }

    interface Bool {
        /** 1 true, 0 false, -1 absent. */
        int get(LiveEvent e);
    }

    interface Obj {
        Object get(LiveEvent e);
    }

    static Extractor str(Str f) {
        return new Extractor() {
            @Override
            Object value(LiveEvent e) {
                return f.get(e);
            }
        };
    }

    static Extractor obj(Obj f) {
        return new Extractor() {
            @Override
            Object value(LiveEvent e) {
                return f.get(e);
            }
        };
    }

    static Extractor num(Num f) {
        return new Extractor() {
            @Override
            Object value(LiveEvent e) {
                long v = f.get(e);
                return v == NONE ? null : Long.valueOf(v);
            }

            @Override
            boolean has(LiveEvent e) {
                return f.get(e) != NONE;
            }

            @Override
            long longValue(LiveEvent e) {
                return f.get(e);
            }
        };
    }

    static Extractor bool(Bool f) {
        return new Extractor() {
            @Override
            Object value(LiveEvent e) {
                int v = f.get(e);
                return v < 0 ? null : v == 1 ? Boolean.TRUE : Boolean.FALSE;
            }

            @Override
            boolean has(LiveEvent e) {
                return f.get(e) >= 0;
            }

            @Override
            long longValue(LiveEvent e) {
                return f.get(e);
            }
        };
    }

    /** A value computed at most once per event (for costly or allocating fields). */
    static Extractor memo(Obj f) {
        return new Extractor() {
            private long seq = -1;
            private Object cached;

            @Override
            Object value(LiveEvent e) {
                if (seq != e.seq) {
                    cached = f.get(e);
                    seq = e.seq;
                }
                return cached;
            }
        };
    }
}
