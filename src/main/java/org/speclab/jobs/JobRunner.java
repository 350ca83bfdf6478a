package org.speclab.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Runs jobs on background threads; each submitted job gets a {@link Handle} to watch and cancel it. */
public final class JobRunner implements AutoCloseable {
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("job-", 1).factory());

    /** Progress as last reported, for views that poll. */
    public record Progress(double fraction, String message, Duration elapsed, Duration eta) {}

    /** A running or finished job. */
    public static final class Handle<T> implements JobContext {
        private final Job<T> job;
        private final AtomicBoolean cancel = new AtomicBoolean();
        private final Consumer<Progress> listener;
        private final Consumer<String> logger;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private final Instant started = Instant.now();
        private volatile Progress last = new Progress(0, "waiting", Duration.ZERO, null);

        Handle(Job<T> job, Consumer<Progress> listener, Consumer<String> logger) {
            this.job = job;
            this.listener = listener;
            this.logger = logger;
        }

        @Override
        public void log(String line) {
            if (logger != null) logger.accept(line);
        }

        public Job<T> job() { return job; }

        public CompletableFuture<T> result() { return result; }

        public Progress lastProgress() { return last; }

        public void cancel() { cancel.set(true); }

        @Override
        public boolean cancelled() { return cancel.get(); }

        @Override
        public void progress(double fraction, String message) {
            checkCancelled();
            Duration elapsed = Duration.between(started, Instant.now());
            Duration eta = fraction > 0.01 ? Duration.ofMillis((long) (elapsed.toMillis() * (1 - fraction) / fraction)) : null;
            last = new Progress(Math.min(1, Math.max(0, fraction)), message, elapsed, eta);
            if (listener != null) listener.accept(last);
        }
    }

    public <T> Handle<T> submit(Job<T> job, Consumer<Progress> listener) {
        return submit(job, listener, null);
    }

    public <T> Handle<T> submit(Job<T> job, Consumer<Progress> listener, Consumer<String> logger) {
        Handle<T> h = new Handle<>(job, listener, logger);
        executor.submit(() -> {
            try {
                h.result.complete(job.run(h));
            } catch (Throwable t) {
                h.result.completeExceptionally(t);
            }
        });
        return h;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
