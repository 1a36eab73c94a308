package dev.vigil.capture.state;

import java.util.Arrays;
import java.util.function.BiConsumer;

/** An open-addressing int-to-object map (no boxing on lookup). Not thread-safe. */
final class IntMap<V> {
    private static final int FREE = Integer.MIN_VALUE;

    private int[] keys;
    private Object[] vals;
    private int size;

    IntMap() {
        this(16);
    }

    IntMap(int capacity) {
        int cap = Integer.highestOneBit(Math.max(8, capacity) * 2 - 1);
        keys = new int[cap];
        Arrays.fill(keys, FREE);
        vals = new Object[cap];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (true) {
            int k = keys[i];
            if (k == key) {
                return (V) vals[i];
            }
            if (k == FREE) {
                return null;
            }
            i = (i + 1) & mask;
        }
    }

    @SuppressWarnings("unchecked")
    V put(int key, V value) {
        if (key == FREE) {
            throw new IllegalArgumentException("reserved key");
        }
        if ((size + 1) * 4 > keys.length * 3) {
            grow();
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (true) {
            int k = keys[i];
            if (k == key) {
                V old = (V) vals[i];
                vals[i] = value;
                return old;
            }
            if (k == FREE) {
                keys[i] = key;
                vals[i] = value;
                size++;
                return null;
            }
            i = (i + 1) & mask;
        }
    }

    @SuppressWarnings("unchecked")
    V remove(int key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (true) {
            int k = keys[i];
            if (k == FREE) {
                return null;
            }
            if (k == key) {
                V old = (V) vals[i];
                deleteAt(i);
                size--;
                return old;
            }
            i = (i + 1) & mask;
        }
    }

    /** Backward-shift deletion keeps probe chains intact. */
    private void deleteAt(int hole) {
        int mask = keys.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            int k = keys[i];
            if (k == FREE) {
                break;
            }
            int home = mix(k) & mask;
            boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (movable) {
                keys[hole] = k;
                vals[hole] = vals[i];
                hole = i;
            }
        }
        keys[hole] = FREE;
        vals[hole] = null;
    }

    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<Integer, V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != FREE) {
                action.accept(keys[i], (V) vals[i]);
            }
        }
    }

    /** The keys, in no particular order. */
    int[] keys() {
        int[] out = new int[size];
        int n = 0;
        for (int k : keys) {
            if (k != FREE) {
                out[n++] = k;
            }
        }
        return out;
    }

    private void grow() {
        int[] oldK = keys;
        Object[] oldV = vals;
        keys = new int[oldK.length * 2];
        Arrays.fill(keys, FREE);
        vals = new Object[oldK.length * 2];
        size = 0;
        for (int i = 0; i < oldK.length; i++) {
            if (oldK[i] != FREE) {
                @SuppressWarnings("unchecked")
                V v = (V) oldV[i];
                put(oldK[i], v);
            }
        }
    }

    private static int mix(int k) {
        int h = k * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
