package dev.vigil.outputs.http;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.Sink;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the factories of this module share: a type, a line of help, its keys and how to build the sink. */
abstract class BaseFactory implements OutputFactory {
    /** Builds a sink from settings. */
    interface Builder {
        Sink create(OutputSettings settings) throws ConfigException;
    }

    private final String type;
    private final String description;
    private final Set<String> keys;
    private final Builder builder;

    BaseFactory(String type, String description, Set<String> keys, Builder builder) {
        this.type = type;
        this.description = description;
        this.keys = keys;
        this.builder = builder;
    }

    /** The keys of an HTTP output: its own plus {@link HttpTransport#KEYS}. */
    static Set<String> http(String... own) {
        Set<String> k = new HashSet<>(HttpTransport.KEYS);
        k.addAll(List.of(own));
        return Set.copyOf(k);
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Set<String> keys() {
        return keys;
    }

    @Override
    public final Sink create(OutputSettings settings) throws ConfigException {
        return builder.create(settings);
    }
}
