package dev.vigil.admission;

import java.util.regex.Pattern;

/** A shell-style pattern: {@code *} any run of characters (slashes included), {@code ?} one character. */
record Glob(String text, Pattern pattern) {
    static Glob of(String text) {
        StringBuilder re = new StringBuilder();
        int literal = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?') {
                if (literal >= 0) {
                    re.append(Pattern.quote(text.substring(literal, i)));
                    literal = -1;
                }
                re.append(c == '*' ? ".*" : ".");
            } else if (literal < 0) {
                literal = i;
            }
        }
        if (literal >= 0) {
            re.append(Pattern.quote(text.substring(literal)));
        }
        return new Glob(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    boolean matches(String s) {
        return s != null && pattern.matcher(s).matches();
    }
}
