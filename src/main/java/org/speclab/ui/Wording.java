package org.speclab.ui;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lines that lower layers write in English (the CLI prints them as they are), said in the lab's
 * language: drafter names and the reasons CUDA cannot be used. A line not recognised stays English.
 */
final class Wording {
    private static final Pattern CU_INIT = Pattern.compile("cuInit failed: (\\S+) .*"),
            DRIVER = Pattern.compile("the NVIDIA driver supports CUDA (\\d+\\.\\d+);.*"),
            CAPABILITY = Pattern.compile("(.+) has compute capability (\\d+\\.\\d+);.*");

    private Wording() {}

    /** A drafter as {@link org.speclab.decode.Drafter#describe()} or an experiment record names it. */
    static String drafter(Lab lab, String english) {
        return drafter(lab, org.speclab.lab.DrafterLabel.parse(english, null));
    }

    /** The drafter as a researcher names it: the draft model's file, n-gram lookup's n, or early exit's layers. */
    static String drafter(Lab lab, org.speclab.lab.DrafterLabel d) {
        return switch (d) {
            case null -> "";
            case org.speclab.lab.DrafterLabel.DraftFile f -> lab.t("experiments.drafter.file", f.file()) + (f.weights() == null ? "" : " (" + f.weights() + ")");
            case org.speclab.lab.DrafterLabel.NGram n -> lab.t("experiments.drafter.ngram", String.valueOf(n.n()));
            case org.speclab.lab.DrafterLabel.EarlyExit x -> x.layers() == null ? lab.t("experiments.drafter.halfLayers")
                    : lab.t("experiments.drafter.layers", String.valueOf(x.layers()));
        };
    }

    /** Why there is no CUDA, as {@link org.speclab.engine.cuda.CudaProbe} says it. */
    static String noCuda(Lab lab, String english) {
        if (english == null) return "";
        Matcher m;
        if (english.startsWith("libcuda.so.1 not found")) return lab.t("device.noDriver");
        if (english.equals("the NVIDIA driver reports no CUDA device")) return lab.t("device.none");
        if (english.startsWith("the JCuda native library could not be loaded")) return lab.t("device.loadFailed");
        if ((m = CU_INIT.matcher(english)).matches()) return lab.t("device.cuInit", m.group(1));
        if ((m = DRIVER.matcher(english)).matches()) return lab.t("device.driverOld", m.group(1));
        if ((m = CAPABILITY.matcher(english)).matches()) return lab.t("device.gpuOld", m.group(1), m.group(2));
        return english;
    }
}
