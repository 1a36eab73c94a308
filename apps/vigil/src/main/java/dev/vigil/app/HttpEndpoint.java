package dev.vigil.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/** An HTTP(S) server answering every path with {@link #handle}, one virtual thread per exchange. */
abstract class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    HttpEndpoint(InetSocketAddress listen, SSLContext tls, HttpIo.ClientAuth clientAuth, int backlog) throws IOException {
        server = HttpIo.server(listen, tls, clientAuth, backlog);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    abstract void handle(HttpExchange ex) throws IOException;

    void start() {
        server.start();
    }

    /** The bound address (the port when 0 was asked for). */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops accepting, gives exchanges in progress up to a second, then waits for their threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.close();
    }
}
