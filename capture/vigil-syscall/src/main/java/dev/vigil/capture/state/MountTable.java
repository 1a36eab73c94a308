package dev.vigil.capture.state;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of one mount namespace, from {@code /proc/<pid>/mountinfo}, used to tell whether an
 * executable lives in the upper (writable) layer of an overlay filesystem: the file is in the upper
 * layer exactly when it exists under the mount's {@code upperdir} (new files and copied-up files
 * live there; files only in image layers do not).
 */
final class MountTable {
    /** One mount: where it is, its root within the source filesystem, its type and upper dir (overlay only). */
    record Mount(String mountPoint, String root, String fsType, String upperDir) {}

    /** The layer of an executable: upper, lower, or not on overlay. */
    enum Layer { UPPER, LOWER, NONE }

    private final List<Mount> mounts;

    MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    static MountTable parse(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        if (mountinfo == null) {
            return new MountTable(out);
        }
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 3 > f.length) {
                continue;
            }
            String fsType = f[dash + 1];
            String upper = null;
            if (fsType.equals("overlay") && dash + 3 < f.length) {
                for (String opt : f[dash + 3].split(",")) {
                    if (opt.startsWith("upperdir=")) {
                        upper = unescape(opt.substring(9));
                    }
                }
            }
            out.add(new Mount(unescape(f[4]), unescape(f[3]), fsType, upper));
        }
        return new MountTable(out);
    }

    /** The mount holding {@code path} (the longest mount point that is a prefix; later mounts win ties). */
    Mount mountOf(String path) {
        Mount best = null;
        int bestLen = -1;
        for (Mount m : mounts) {
            String mp = m.mountPoint();
            boolean prefix = mp.equals("/") || path.equals(mp) || path.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (prefix && mp.length() >= bestLen) {
                best = m;
                bestLen = mp.length();
            }
        }
        return best;
    }

    Layer layerOf(String path) {
        if (path == null || !path.startsWith("/")) {
            return Layer.NONE;
        }
        Mount m = mountOf(path);
        if (m == null || !m.fsType().equals("overlay") || m.upperDir() == null) {
            return Layer.NONE;
        }
        String rel = m.mountPoint().equals("/") ? path : path.substring(m.mountPoint().length());
        String root = m.root().equals("/") ? "" : m.root();
        Path upperFile = Path.of(m.upperDir() + root + rel);
        return Files.exists(upperFile, LinkOption.NOFOLLOW_LINKS) ? Layer.UPPER : Layer.LOWER;
    }

    int size() {
        return mounts.size();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    // not an escape
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
