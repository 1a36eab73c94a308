package dev.vigil.rules.filter;

import dev.vigil.event.IpAddress;
import dev.vigil.event.IpNetwork;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;

/** Tests one (non-absent) extracted value against the right-hand side of a check. */
abstract class Matcher {
    abstract boolean test(Object v);

    static final class Negated extends Matcher {
        private final Matcher inner;

        Negated(Matcher inner) {
            this.inner = inner;
        }

        @Override
        boolean test(Object v) {
            return !inner.test(v);
        }
    }

    /** Equality of any non-string value (numbers, booleans, addresses) by {@code equals}. */
    static final class ObjEq extends Matcher {
        private final Object rhs;

        ObjEq(Object rhs) {
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            return rhs.equals(v);
        }
    }

    static final class ObjIn extends Matcher {
        private final Set<Object> set;

        ObjIn(Set<Object> set) {
            this.set = set;
        }

        @Override
        boolean test(Object v) {
            return set.contains(v);
        }
    }

    static final class StrEq extends Matcher {
        private final String rhs;

        StrEq(String rhs) {
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            return rhs.equals(v);
        }
    }

    static final class StrIn extends Matcher {
        private final Set<String> set;

        StrIn(Set<String> set) {
            this.set = set;
        }

        @Override
        boolean test(Object v) {
            return set.contains(v);
        }
    }

    static final class StrContains extends Matcher {
        private final String rhs;

        StrContains(String rhs) {
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            return v instanceof String s && s.contains(rhs);
        }
    }

    /** ASCII case-insensitive substring, like strcasestr. */
    static final class StrIContains extends Matcher {
        private final String lower;

        StrIContains(String rhs) {
            this.lower = asciiLower(rhs);
        }

        @Override
        boolean test(Object v) {
            if (!(v instanceof String s)) {
                return false;
            }
            int n = s.length();
            int m = lower.length();
            outer:
            for (int i = 0; i + m <= n; i++) {
                for (int j = 0; j < m; j++) {
                    if (asciiLower(s.charAt(i + j)) != lower.charAt(j)) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    static final class StrStartsWith extends Matcher {
        private final String rhs;

        StrStartsWith(String rhs) {
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            return v instanceof String s && s.startsWith(rhs);
        }
    }

    static final class StrEndsWith extends Matcher {
        private final String rhs;

        StrEndsWith(String rhs) {
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            return v instanceof String s && s.endsWith(rhs);
        }
    }

    /** Lexicographic comparison of strings ({@code strcmp}). */
    static final class StrCompare extends Matcher {
        private final String rhs;
        private final String op;

        StrCompare(String op, String rhs) {
            this.op = op;
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            if (!(v instanceof String s)) {
                return false;
            }
            int c = s.compareTo(rhs);
            return switch (op) {
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c >= 0;
            };
        }
    }

    static final class GlobMatcher extends Matcher {
        private final String pattern;
        private final boolean caseFold;

        GlobMatcher(String pattern, boolean caseFold) {
            this.pattern = pattern;
            this.caseFold = caseFold;
        }

        @Override
        boolean test(Object v) {
            return v instanceof String s && Glob.matches(pattern, 0, pattern.length(), s, 0, s.length(), caseFold);
        }
    }

    /** Full-match regular expression. */
    static final class RegexMatcher extends Matcher {
        private final Pattern pattern;

        RegexMatcher(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        boolean test(Object v) {
            return v instanceof String s && pattern.matcher(s).matches();
        }
    }

    /** Path-prefix match by components, as Falco's pmatch. */
    static final class Pmatch extends Matcher {
        private final String[][] prefixes;

        Pmatch(String[][] prefixes) {
            this.prefixes = prefixes;
        }

        static String[] components(String path) {
            return Arrays.stream(path.split("/")).filter(c -> !c.isEmpty()).toArray(String[]::new);
        }

        @Override
        boolean test(Object v) {
            if (!(v instanceof String s)) {
                return false;
            }
            for (String[] prefix : prefixes) {
                if (matchesPrefix(prefix, s)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean matchesPrefix(String[] prefix, String s) {
            int i = 0;
            int n = s.length();
            for (String comp : prefix) {
                while (i < n && s.charAt(i) == '/') {
                    i++;
                }
                if (i >= n) {
                    return false;
                }
                int end = s.indexOf('/', i);
                if (end < 0) {
                    end = n;
                }
                boolean wild = comp.indexOf('*') >= 0 || comp.indexOf('?') >= 0 || comp.indexOf('[') >= 0;
                boolean ok = wild
                        ? Glob.matches(comp, 0, comp.length(), s, i, end, false)
                        : end - i == comp.length() && s.regionMatches(i, comp, 0, comp.length());
                if (!ok) {
                    return false;
                }
                i = end;
            }
            return true;
        }
    }

    /** Numeric comparison of integer values, signed or unsigned. */
    static final class NumCompare extends Matcher {
        private final String op;
        private final long rhs;
        private final boolean unsigned;

        NumCompare(String op, long rhs, boolean unsigned) {
            this.op = op;
            this.rhs = rhs;
            this.unsigned = unsigned;
        }

        @Override
        boolean test(Object v) {
            long x;
            if (v instanceof Long l) {
                x = l;
            } else if (v instanceof Number num) {
                x = num.longValue();
            } else {
                return false;
            }
            return compare(op, x, rhs, unsigned);
        }

        static boolean compare(String op, long x, long rhs, boolean unsigned) {
            int c = unsigned ? Long.compareUnsigned(x, rhs) : Long.compare(x, rhs);
            return switch (op) {
                case "=", "==" -> c == 0;
                case "!=" -> c != 0;
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c >= 0;
            };
        }
    }

    static final class NetContains extends Matcher {
        private final IpNetwork net;

        NetContains(IpNetwork net) {
            this.net = net;
        }

        @Override
        boolean test(Object v) {
            if (v instanceof IpAddress a) {
                return net.contains(a);
            }
            if (v instanceof IpNetwork n) {
                return net.equals(n);
            }
            return false;
        }
    }

    static final class AnyOf extends Matcher {
        private final Matcher[] options;

        AnyOf(Matcher[] options) {
            this.options = options;
        }

        @Override
        boolean test(Object v) {
            for (Matcher m : options) {
                if (m.test(v)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class AllOf extends Matcher {
        private final Matcher[] options;

        AllOf(Matcher[] options) {
            this.options = options;
        }

        @Override
        boolean test(Object v) {
            for (Matcher m : options) {
                if (!m.test(v)) {
                    return false;
                }
            }
            return options.length > 0;
        }
    }

    static final class OneOf extends Matcher {
        private final Matcher[] options;

        OneOf(Matcher[] options) {
            this.options = options;
        }

        @Override
        boolean test(Object v) {
            int hits = 0;
            for (Matcher m : options) {
                if (m.test(v) && ++hits > 1) {
                    return false;
                }
            }
            return hits == 1;
        }
    }

    static final class BytesOp extends Matcher {
        private final String op;
        private final byte[] rhs;

        BytesOp(String op, byte[] rhs) {
            this.op = op;
            this.rhs = rhs;
        }

        @Override
        boolean test(Object v) {
            byte[] b = v instanceof byte[] bytes ? bytes
                    : v instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
            if (b == null) {
                return false;
            }
            return switch (op) {
                case "=", "==" -> Arrays.equals(b, rhs);
                case "!=" -> !Arrays.equals(b, rhs);
                case "contains", "bcontains" -> indexOf(b, rhs) >= 0;
                case "startswith", "bstartswith" -> b.length >= rhs.length && Arrays.equals(b, 0, rhs.length, rhs, 0, rhs.length);
                case "endswith" -> b.length >= rhs.length
                        && Arrays.equals(b, b.length - rhs.length, b.length, rhs, 0, rhs.length);
                default -> false;
            };
        }

        static int indexOf(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            sb.append(asciiLower(s.charAt(i)));
        }
        return sb.toString();
    }

    static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
