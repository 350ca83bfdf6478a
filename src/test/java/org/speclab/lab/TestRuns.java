package org.speclab.lab;

/** Experiment records for tests, built in one place (the record grows fields; only this needs to follow). */
public final class TestRuns {
    private TestRuns() {}

    /** A run on stories260K F32, greedy, on the CPU, prompt "Once". */
    public static Experiment run(String draft, Integer k, double tps, String stopReason) {
        return run("stories260K", draft, draft == null || !draft.contains("draft") ? null : "Q8_0", k, 0, "Once", tps, stopReason);
    }

    public static Experiment run(String model, String draft, String draftQuant, Integer k, double temperature, String prompt, double tps,
                                 String stopReason) {
        Double measured = k == null ? null : tps / 100, predicted = k == null ? null : 1.5;
        return new Experiment(draft, draftQuant, k, model, "F32", "cpu", 1, prompt, tps, 0.1, 1.0, k == null ? null : 1.2, 100, 1,
                temperature, "test", k == null ? null : 0.6, k == null ? null : 0.05, predicted, measured, null, 1, 42, 40, 1.0,
                100, stopReason, null);
    }
}
