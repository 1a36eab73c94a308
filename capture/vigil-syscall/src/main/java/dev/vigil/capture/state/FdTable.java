package dev.vigil.capture.state;

/**
 * The fd table of a process. A forked child shares its parent's table until either side changes
 * it (copy on write), so a fork costs O(1) however many descriptors the parent has.
 */
final class FdTable {
    private IntMap<FdInfo> map;
    private boolean shared;

    FdTable() {
        this.map = new IntMap<>();
    }

    private FdTable(IntMap<FdInfo> map) {
        this.map = map;
        this.shared = true;
    }

    FdInfo get(int fd) {
        return map.get(fd);
    }

    int size() {
        return map.size();
    }

    int[] fds() {
        return map.keys();
    }

    /** A table for a forked child; both tables copy before their next change. */
    FdTable fork() {
        shared = true;
        return new FdTable(map);
    }

    void put(FdInfo f) {
        own();
        map.put(f.num, f);
    }

    FdInfo remove(int fd) {
        if (map.get(fd) == null) {
            return null;
        }
        own();
        return map.remove(fd);
    }

    /** The entry for {@code fd}, private to this table so that it may be changed. */
    FdInfo forWrite(int fd) {
        if (map.get(fd) == null) {
            return null;
        }
        own();
        return map.get(fd);
    }

    void clear() {
        map = new IntMap<>();
        shared = false;
    }

    private void own() {
        if (!shared) {
            return;
        }
        IntMap<FdInfo> copy = new IntMap<>(Math.max(16, map.size()));
        map.forEach((k, v) -> copy.put(k, v.copy(k)));
        map = copy;
        shared = false;
    }
}
