package dev.vigil.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A programmable sink: answers each call from a script of answers (then from a fallback, by default
 * "delivered"), and records every batch, the call times and the items it reported delivered.
 * Written by the worker, read by the test: the records are concurrent collections.
 */
final class ScriptedSink implements Sink {
    interface Answer {
        SendResult answer(List<Envelope> batch) throws InterruptedException;
    }

    private final Batching batching;
    private final boolean concurrent;
    private final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    /** The most calls that were in progress at once. */
    final java.util.concurrent.atomic.AtomicInteger mostInside = new java.util.concurrent.atomic.AtomicInteger();
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private volatile Answer fallback = b -> SendResult.ok();
    final List<List<Envelope>> batches = new CopyOnWriteArrayList<>();
    final List<Long> callNanos = new CopyOnWriteArrayList<>();
    final List<Envelope> delivered = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();

    ScriptedSink() {
        this(Batching.SINGLE);
    }

    ScriptedSink(Batching batching) {
        this(batching, false);
    }

    /** A sink that says it may be called by several threads at once ({@link Sink#concurrentSends()}). */
    ScriptedSink(Batching batching, boolean concurrent) {
        this.batching = batching;
        this.concurrent = concurrent;
    }

    @Override
    public boolean concurrentSends() {
        return concurrent;
    }

    /** Answers the next call with {@code a}. */
    ScriptedSink then(Answer a) {
        script.add(a);
        return this;
    }

    /** Holds the next call until {@code gate} opens, then delivers: the worker is busy, nothing is committed. */
    ScriptedSink thenWaitFor(java.util.concurrent.CountDownLatch gate) {
        return then(b -> {
            gate.await();
            return SendResult.ok();
        });
    }

    ScriptedSink then(SendResult r) {
        return then(b -> r);
    }

    /** Answers every call after the script with {@code a}. */
    ScriptedSink otherwise(Answer a) {
        fallback = a;
        return this;
    }

    ScriptedSink otherwise(SendResult r) {
        return otherwise(b -> r);
    }

    @Override
    public Batching batching() {
        return batching;
    }

    @Override
    public SendResult send(List<Envelope> batch) throws InterruptedException {
        callNanos.add(System.nanoTime());
        batches.add(List.copyOf(batch));
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        Answer a = script.poll();
        SendResult r;
        try {
            r = (a != null ? a : fallback).answer(batch);
        } finally {
            inside.decrementAndGet();
        }
        for (int i = 0; i < batch.size(); i++) {
            if (r != null && r.status(i) == SendResult.Status.DELIVERED) {
                delivered.add(batch.get(i));
            }
        }
        return r;
    }

    @Override
    public void close() {
        closed.set(true);
    }

    int calls() {
        return batches.size();
    }

    /** The uuids of the delivered alerts, in delivery order. */
    List<String> deliveredUuids() {
        List<String> out = new ArrayList<>();
        for (Envelope e : delivered) {
            out.add(uuidOf(e));
        }
        return out;
    }

    static String uuidOf(Envelope e) {
        try {
            return e.alert().uuid();
        } catch (AlertFormatException ex) {
            return new String(e.body(), StandardCharsets.UTF_8);
        }
    }

    List<Integer> batchSizes() {
        return batches.stream().map(List::size).toList();
    }

    List<String> uuidsOfCall(int call) {
        return batches.get(call).stream().map(ScriptedSink::uuidOf).toList();
    }
}
