package dev.vigil.rules.filter;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Between RE2 (Falco's regular expressions) and Java's: Java syntax that RE2 refuses (backreferences,
 * lookaround, atomic groups, possessive quantifiers) is refused at load, as Falco would; RE2's named
 * groups, POSIX classes and plain {@code [} and {@code &} inside a class are rewritten into Java's
 * spelling. Other syntax Java rejects is reported by {@link Pattern}.
 */
final class Re2Syntax {
    private static final List<String> LOOKAROUND = List.of("(?=", "(?!", "(?<=", "(?<!");
    private static final Pattern COUNTED_REPETITION = Pattern.compile("\\{\\d+(,\\d*)?}");

    /**
     * Java flags that give RE2's meaning: {@code .} stops only at {@code \n} (Java's also stops at
     * {@code \r}, {@code \u0085}, {@code \u2028}, {@code \u2029}), and {@code (?i)} folds Unicode
     * letters, not only ASCII ones.
     */
    static final int FLAGS = Pattern.UNIX_LINES | Pattern.UNICODE_CASE;

    private Re2Syntax() {}

    /**
     * The Java pattern for an RE2 pattern: named groups ({@code (?P<name>...)}, {@code (?<name>...)})
     * become plain groups (names are never referenced, and Java spells and restricts them
     * differently).
     *
     * @throws IllegalArgumentException saying why RE2 would refuse the pattern
     */
    static String toJava(String p) {
        StringBuilder out = new StringBuilder(p.length());
        boolean inClass = false;
        boolean afterRepetition = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= p.length()) {
                    out.append(c);
                    break;
                }
                char n = p.charAt(i + 1);
                int next = i + 2;
                if (n == 'Q') {
                    int end = p.indexOf("\\E", i + 2);
                    next = end < 0 ? p.length() : end + 2;
                } else if ((n == 'p' || n == 'P') && next < p.length() && p.charAt(next) == '{' && p.indexOf('}', next) > 0) {
                    // \p{Greek}, \P{Lu}, \p{^Greek}: RE2 names scripts and categories alike; Java wants
                    // "Is" before a script (and accepts it before a category)
                    int end = p.indexOf('}', next);
                    String name = p.substring(next + 1, end);
                    boolean negated = name.startsWith("^");
                    out.append('\\').append((n == 'P') != negated ? 'P' : 'p').append("{Is")
                            .append(negated ? name.substring(1) : name).append('}');
                    i = end;
                    afterRepetition = false;
                    continue;
                } else if (n == 'x' && next < p.length() && p.charAt(next) == '{') {
                    // \x{1F600}: the braces belong to the escape
                    int end = p.indexOf('}', next);
                    next = end < 0 ? p.length() : end + 1;
                } else if (n >= '0' && n <= '7' && (n == '0' || next < p.length() && isOctal(p.charAt(next)))) {
                    // an octal character code of up to three digits ("\\0", "\\012", "\\101"); Java spells them "\\0nnn"
                    int code = n - '0';
                    for (int d = 0; d < 2 && next < p.length() && isOctal(p.charAt(next)); d++) {
                        code = code * 8 + p.charAt(next++) - '0';
                    }
                    out.append("\\x{").append(Integer.toHexString(code)).append('}');
                    i = next - 1;
                    afterRepetition = false;
                    continue;
                } else if (n >= '1' && n <= '9' || n == 'k') {
                    throw new IllegalArgumentException("backreferences are not supported (RE2 syntax): \\" + n);
                }
                out.append(p, i, next);
                i = next - 1;
                afterRepetition = false;
                continue;
            }
            if (inClass) {
                if (p.startsWith("[:", i)) {
                    int end = p.indexOf(":]", i + 2);
                    if (end > 0) {
                        out.append(posixClass(p.substring(i + 2, end)));
                        i = end + 1;
                        continue;
                    }
                }
                inClass = c != ']';
                // in RE2 '[' and '&' are plain characters inside a class; in Java they nest and intersect
                out.append(c == '[' || c == '&' ? "\\" + c : String.valueOf(c));
                continue;
            }
            switch (c) {
                case '[' -> {
                    inClass = true;
                    out.append(c);
                    // a ']' first in the class (also after '^') is a literal
                    if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
                        out.append(p.charAt(++i));
                    }
                    if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
                        out.append(p.charAt(++i));
                    }
                    afterRepetition = false;
                }
                case '(' -> {
                    for (String look : LOOKAROUND) {
                        if (p.startsWith(look, i)) {
                            throw new IllegalArgumentException("lookaround is not supported (RE2 syntax): " + look);
                        }
                    }
                    if (p.startsWith("(?>", i)) {
                        throw new IllegalArgumentException("atomic groups are not supported (RE2 syntax): (?>");
                    }
                    java.util.regex.Matcher named = NAMED_GROUP.matcher(p).region(i, p.length());
                    if (named.lookingAt()) {
                        out.append('(');
                        i = named.end() - 1;
                    } else if (p.startsWith("(?", i)) {
                        checkFlags(p, i + 2);
                        out.append("(?");
                        i++;
                    } else {
                        out.append(c);
                    }
                    afterRepetition = false;
                }
                case '*', '+', '?' -> {
                    if (c == '+' && afterRepetition) {
                        throw new IllegalArgumentException("possessive quantifiers are not supported (RE2 syntax): " + p.charAt(i - 1) + "+");
                    }
                    out.append(c);
                    afterRepetition = true;
                }
                case '{' -> {
                    java.util.regex.Matcher counted = COUNTED_REPETITION.matcher(p).region(i, p.length());
                    if (counted.lookingAt()) {
                        out.append(p, i, counted.end());
                        i = counted.end() - 1;
                        afterRepetition = true;
                    } else {
                        // not a repetition: a plain character in RE2, an error in Java
                        out.append("\\{");
                        afterRepetition = false;
                    }
                }
                case '}' -> {
                    out.append("\\}");
                    afterRepetition = false;
                }
                default -> {
                    out.append(c);
                    afterRepetition = false;
                }
            }
        }
        return out.toString();
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    /**
     * The flags of a {@code (?flags)} or {@code (?flags:...)} group starting at {@code from}: RE2 knows
     * {@code i}, {@code m}, {@code s} and {@code U} (ungreedy), which Java does not have (its {@code U}
     * means Unicode classes, so it would silently change the meaning).
     */
    private static void checkFlags(String p, int from) {
        int end = from;
        while (end < p.length() && (Character.isLetter(p.charAt(end)) || p.charAt(end) == '-')) {
            end++;
        }
        if (end == from || end >= p.length() || p.charAt(end) != ')' && p.charAt(end) != ':') {
            return; // not a flag group: named groups and the like are handled by the caller or by Pattern
        }
        for (int k = from; k < end; k++) {
            char f = p.charAt(k);
            if (f == 'U') {
                throw new IllegalArgumentException("the ungreedy flag is not supported: (?" + p.substring(from, end));
            }
            if (f != 'i' && f != 'm' && f != 's' && f != '-') {
                throw new IllegalArgumentException("invalid or unsupported Perl syntax: (?" + p.substring(from, end));
            }
        }
    }

    /** Java's spelling of an RE2 POSIX class ({@code [:alpha:]}, {@code [:^digit:]}), written inside a bracket. */
    private static String posixClass(String name) {
        boolean negated = name.startsWith("^");
        String java = switch (negated ? name.substring(1) : name) {
            case "alnum" -> "Alnum";
            case "alpha" -> "Alpha";
            case "ascii" -> "ASCII";
            case "blank" -> "Blank";
            case "cntrl" -> "Cntrl";
            case "digit" -> "Digit";
            case "graph" -> "Graph";
            case "lower" -> "Lower";
            case "print" -> "Print";
            case "punct" -> "Punct";
            case "space" -> "Space";
            case "upper" -> "Upper";
            case "word" -> "word";
            case "xdigit" -> "XDigit";
            default -> throw new IllegalArgumentException("invalid character class range: [:" + name + ":]");
        };
        if (java.equals("word")) {
            return negated ? "\\W" : "\\w";
        }
        return (negated ? "\\P{" : "\\p{") + java + "}";
    }

    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?P?<[A-Za-z0-9_]+>");
}
