package dev.vigil.outputs.http;

import java.util.Set;

/** {@code stdout}: standard output, one line per alert (format json or text). */
public final class StdoutFactory extends BaseFactory {
    public StdoutFactory() {
        super("stdout", "standard output, one line per alert (format json or text)",
                Set.of("format"),
                s -> new StdoutSink(System.out, s.oneOf("format", "json", Set.of("json", "text")).equals("text")));
    }
}
