package org.speclab.lab;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The experiment table as the seed's researcher kept it: CSV for spreadsheets and a Markdown table
 * in the seed's column order, followed by the columns that explain each row (α, c, speedups).
 */
public final class ExperimentExport {
    private record Column(String title, Function<Experiment, Object> value) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("draft model", Experiment::draftModel),
            new Column("draft quantization", Experiment::draftQuantization),
            new Column("speculate_k", Experiment::speculateK),
            new Column("model", Experiment::model),
            new Column("model quantization", Experiment::modelQuantization),
            new Column("device", Experiment::device),
            new Column("device count", Experiment::deviceCount),
            new Column("prompt", Experiment::prompt),
            new Column("tokens/s", e -> fixed(e.tokensPerSec(), 2)),
            new Column("memory GB", e -> fixed(e.memoryGb(), 2)),
            new Column("bandwidth GB/s", e -> fixed(e.bandwidthGbs(), 2)),
            new Column("mean accepted", e -> e.meanAccepted() == null ? null : fixed(e.meanAccepted(), 2)),
            new Column("max_new_tokens", Experiment::maxNewTokens),
            new Column("num_samples", Experiment::numSamples),
            new Column("temperature", Experiment::temperature),
            new Column("version", Experiment::version),
            new Column("α", e -> e.alpha() == null ? null : fixed(e.alpha(), 3)),
            new Column("c", e -> e.costRatio() == null ? null : fixed(e.costRatio(), 3)),
            new Column("predicted speedup", e -> e.predictedSpeedup() == null ? null : fixed(e.predictedSpeedup(), 2)),
            new Column("measured speedup", e -> e.measuredSpeedup() == null ? null : fixed(e.measuredSpeedup(), 2)),
            // the spreads of a run measured several times (Protocol): empty for single runs
            new Column("runs", Experiment::repeats),
            new Column("tokens/s range", e -> range(e.tokensPerSecMin(), e.tokensPerSecMax(), 2)),
            new Column("target alone tokens/s", e -> e.baselineTokensPerSec() == null ? null : fixed(e.baselineTokensPerSec(), 2)),
            new Column("speedup range", e -> range(e.measuredSpeedupMin(), e.measuredSpeedupMax(), 2)));

    private ExperimentExport() {}

    private static String range(Double min, Double max, int digits) {
        return min == null || max == null ? null : fixed(min, digits) + "–" + fixed(max, digits);
    }

    private static String fixed(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    public static String csv(List<Experiment> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", COLUMNS.stream().map(c -> csvCell(c.title())).toList())).append('\n');
        for (Experiment e : rows) {
            sb.append(String.join(",", COLUMNS.stream().map(c -> csvCell(c.value().apply(e))).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(Object v) {
        if (v == null) return "";
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    public static String markdown(List<Experiment> rows) {
        StringBuilder sb = new StringBuilder("|");
        for (Column c : COLUMNS) sb.append(' ').append(c.title()).append(" |");
        sb.append("\n|");
        for (int i = 0; i < COLUMNS.size(); i++) sb.append(i >= 8 && i <= 14 ? " ---: |" : " --- |");
        sb.append('\n');
        for (Experiment e : rows) {
            sb.append('|');
            for (Column c : COLUMNS) {
                Object v = c.value().apply(e);
                sb.append(' ').append(v == null ? "" : String.valueOf(v).replace("|", "\\|").replace("\n", " ")).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
