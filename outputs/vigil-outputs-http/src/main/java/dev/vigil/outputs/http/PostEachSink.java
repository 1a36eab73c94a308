package dev.vigil.outputs.http;

import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import java.net.URI;
import java.util.Map;

/** A destination that takes one request per alert to a fixed URL; subclasses only build the body. */
abstract class PostEachSink extends AlertSink.OneByOne {
    final HttpTransport http;
    final URI url;

    PostEachSink(HttpTransport http, URI url) {
        this.http = http;
        this.url = url;
    }

    abstract byte[] body(FalcoAlert a);

    String method() {
        return "POST";
    }

    String contentType() {
        return "application/json";
    }

    @Override
    final SendResult deliverOne(FalcoAlert a) throws InterruptedException {
        return http.send(method(), url, contentType(), body(a), Map.of(), false);
    }

    @Override
    public final void close() {
        http.close();
    }
}
