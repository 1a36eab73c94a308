package dev.vigil.rules.filter;

/**
 * fnmatch(3) without flags (so {@code *} and {@code ?} also match {@code /}), optionally case
 * folding: {@code *}, {@code ?}, bracket classes with {@code !}/{@code ^} negation and ranges, and
 * backslash escapes. The whole string must match.
 */
public final class Glob {
    private Glob() {}

    public static boolean matches(String pattern, String s, boolean caseFold) {
        return matches(pattern, 0, pattern.length(), s, 0, s.length(), caseFold);
    }

    static boolean matches(String p, int pi, int pEnd, String s, int si, int sEnd, boolean fold) {
        int starP = -1;
        int starS = -1;
        while (si < sEnd) {
            if (pi < pEnd) {
                char pc = p.charAt(pi);
                if (pc == '*') {
                    starP = ++pi;
                    starS = si;
                    continue;
                }
                if (pc == '?') {
                    pi++;
                    si++;
                    continue;
                }
                if (pc == '[') {
                    int close = classEnd(p, pi, pEnd);
                    if (close > 0) {
                        if (classMatches(p, pi + 1, close, s.charAt(si), fold)) {
                            pi = close + 1;
                            si++;
                            continue;
                        }
                    } else if (same('[', s.charAt(si), fold)) {
                        pi++;
                        si++;
                        continue;
                    }
                } else {
                    if (pc == '\\' && pi + 1 < pEnd) {
                        pc = p.charAt(pi + 1);
                        if (same(pc, s.charAt(si), fold)) {
                            pi += 2;
                            si++;
                            continue;
                        }
                    } else if (same(pc, s.charAt(si), fold)) {
                        pi++;
                        si++;
                        continue;
                    }
                }
            }
            if (starP >= 0) {
                pi = starP;
                si = ++starS;
                continue;
            }
            return false;
        }
        while (pi < pEnd && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == pEnd;
    }

    /** Index of the ']' closing the class opened at {@code open}, or -1 when unterminated. */
    private static int classEnd(String p, int open, int pEnd) {
        int i = open + 1;
        if (i < pEnd && (p.charAt(i) == '!' || p.charAt(i) == '^')) {
            i++;
        }
        if (i < pEnd && p.charAt(i) == ']') {
            i++;
        }
        while (i < pEnd && p.charAt(i) != ']') {
            i++;
        }
        return i < pEnd ? i : -1;
    }

    private static boolean classMatches(String p, int from, int close, char c, boolean fold) {
        boolean negate = false;
        int i = from;
        if (p.charAt(i) == '!' || p.charAt(i) == '^') {
            negate = true;
            i++;
        }
        boolean hit = false;
        boolean first = true;
        while (i < close || (first && i == close)) {
            char lo = p.charAt(i);
            first = false;
            if (i + 2 < close && p.charAt(i + 1) == '-') {
                char hi = p.charAt(i + 2);
                if (inRange(c, lo, hi, fold)) {
                    hit = true;
                }
                i += 3;
            } else {
                if (same(lo, c, fold)) {
                    hit = true;
                }
                i++;
            }
            if (i >= close) {
                break;
            }
        }
        return hit != negate;
    }

    private static boolean inRange(char c, char lo, char hi, boolean fold) {
        if (lo <= c && c <= hi) {
            return true;
        }
        if (fold) {
            char l = Character.toLowerCase(c);
            char u = Character.toUpperCase(c);
            return (lo <= l && l <= hi) || (lo <= u && u <= hi);
        }
        return false;
    }

    private static boolean same(char a, char b, boolean fold) {
        return a == b || fold && Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
