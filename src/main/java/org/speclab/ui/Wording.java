package org.speclab.ui;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lines that lower layers write in English (the CLI prints them as they are), said in the lab's
 * language: drafter names and the reasons CUDA cannot be used. A line not recognised stays English.
 */
final class Wording {
    private static final Pattern DRAFT = Pattern.compile("draft model (.+)"), NGRAM = Pattern.compile("n-gram lookup \\(n ≤ (\\d+)\\)"),
            EARLY = Pattern.compile("early exit after (\\d+) layers"), CU_INIT = Pattern.compile("cuInit failed: (\\S+) .*"),
            DRIVER = Pattern.compile("the NVIDIA driver supports CUDA (\\d+\\.\\d+);.*"),
            CAPABILITY = Pattern.compile("(.+) has compute capability (\\d+\\.\\d+);.*");

    private Wording() {}

    /** A drafter as {@link org.speclab.decode.Drafter#describe()} names it. */
    static String drafter(Lab lab, String english) {
        Matcher m;
        if ((m = DRAFT.matcher(english)).matches()) return lab.t("drafter.model", m.group(1));
        if ((m = NGRAM.matcher(english)).matches()) return lab.t("drafter.ngram", m.group(1));
        if ((m = EARLY.matcher(english)).matches()) return lab.t("drafter.layers", m.group(1));
        return english;
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
