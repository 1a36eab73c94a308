package dev.vigil.pipeline;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The outcome of one {@link Sink#send}: for the whole batch, or item by item (as Elasticsearch's
 * {@code _bulk} answers). {@code RETRY} items are sent again after a backoff; {@code REJECT} items
 * go to the dead-letter file with their reason.
 */
public final class SendResult {
    /** The outcome of one item. */
    public enum Status { DELIVERED, RETRY, REJECT }

    private static final SendResult OK = new SendResult(Status.DELIVERED, null, null, null, null);

    private final Status all;
    private final String reason;
    private final Duration retryAfter;
    private final Status[] items;
    private final String[] reasons;

    private SendResult(Status all, String reason, Duration retryAfter, Status[] items, String[] reasons) {
        this.all = all;
        this.reason = reason;
        this.retryAfter = retryAfter;
        this.items = items;
        this.reasons = reasons;
    }

    /** Every item was delivered. */
    public static SendResult ok() {
        return OK;
    }

    /** Nothing was delivered, and sending again may work (connection error, timeout, 429, 5xx). */
    public static SendResult retry(String reason) {
        return new SendResult(Status.RETRY, Objects.requireNonNull(reason, "reason"), null, null, null);
    }

    /** As {@link #retry(String)}, and the destination said when to come back ({@code Retry-After}). */
    public static SendResult retry(String reason, Duration retryAfter) {
        return new SendResult(Status.RETRY, Objects.requireNonNull(reason, "reason"), retryAfter, null, null);
    }

    /** Nothing was delivered, and sending the same items again cannot work (e.g. 400, 401, 413). */
    public static SendResult reject(String reason) {
        return new SendResult(Status.REJECT, Objects.requireNonNull(reason, "reason"), null, null, null);
    }

    /**
     * One status per item of the batch, in batch order; {@code reasons[i]} explains a non-delivered
     * item (may be null for delivered ones).
     */
    public static SendResult perItem(Status[] statuses, String[] reasons) {
        if (statuses.length != reasons.length) {
            throw new IllegalArgumentException("one reason slot per status");
        }
        return new SendResult(null, null, null, statuses.clone(), reasons.clone());
    }

    /** The classification of an HTTP status code: 2xx delivered, 408/425/429/5xx retried, others rejected. */
    public static SendResult ofHttpStatus(int status, String detail) {
        if (status >= 200 && status < 300) {
            return OK;
        }
        String why = "HTTP " + status + (detail == null || detail.isBlank() ? "" : ": " + abbreviate(detail));
        if (status == 408 || status == 425 || status == 429 || (status >= 500 && status != 501)) {
            return retry(why);
        }
        return reject(why);
    }

    /** Whether the outcome is given item by item. */
    public boolean isPerItem() {
        return items != null;
    }

    /** How many item statuses a per-item result holds; -1 for a whole-batch result. */
    int itemCount() {
        return items == null ? -1 : items.length;
    }

    /** The status of item {@code i} of a batch of {@code size} items. */
    public Status status(int i) {
        return items != null ? items[i] : all;
    }

    /** Why item {@code i} was not delivered, or null. */
    public String reason(int i) {
        return items != null ? reasons[i] : reason;
    }

    /** The delay the destination asked for, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whether every item was delivered. */
    public boolean allDelivered() {
        if (items == null) {
            return all == Status.DELIVERED;
        }
        return Arrays.stream(items).allMatch(s -> s == Status.DELIVERED);
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= 300 ? one : one.substring(0, 297) + "...";
    }

    @Override
    public String toString() {
        return items == null ? all + (reason == null ? "" : " (" + reason + ")") : "per item " + Arrays.toString(items);
    }
}
