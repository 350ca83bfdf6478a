package org.speclab.cli;

import java.io.PrintStream;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.speclab.jobs.Job;
import org.speclab.jobs.JobCancelledException;
import org.speclab.jobs.JobFailedException;
import org.speclab.jobs.JobRunner;

/**
 * Runs a job from the command line: a progress bar on a terminal, plain lines (every 10%)
 * otherwise; Ctrl-C cancels the job so it cleans up its partial output before the process exits.
 */
final class JobProgress {
    private JobProgress() {}

    static <T> T run(Job<T> job, PrintStream err) throws Exception {
        boolean terminal = System.console() != null && System.console().isTerminal();
        try (JobRunner runner = new JobRunner()) {
            ProgressBar bar = terminal ? new ProgressBarBuilder().setTaskName(job.title()).setInitialMax(1000)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err)).build() : null;
            int[] lastDecile = {-1};
            Consumer<JobRunner.Progress> listener = p -> {
                if (bar != null) {
                    bar.stepTo(Math.round(p.fraction() * 1000));
                    bar.setExtraMessage(p.message());
                } else if ((int) (p.fraction() * 10) > lastDecile[0]) {
                    lastDecile[0] = (int) (p.fraction() * 10);
                    err.printf("%3.0f%%  %s%n", 100 * p.fraction(), p.message());
                }
            };
            JobRunner.Handle<T> h = runner.submit(job, listener);
            Thread hook = new Thread(() -> {
                h.cancel();
                try {
                    h.result().get();
                } catch (Exception ignored) {
                    // the job has cleaned up
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return h.result().get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof JobCancelledException) throw new JobFailedException(job.title() + ": cancelled; nothing was written");
                if (c instanceof Exception ex) throw ex;
                throw e;
            } finally {
                if (bar != null) bar.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
            }
        }
    }
}
