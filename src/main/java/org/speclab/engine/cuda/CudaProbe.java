package org.speclab.engine.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds CUDA devices through JCuda's driver API without ever failing: where the driver library,
 * a device or a recent enough driver is missing, it says why in one line.
 */
public final class CudaProbe {
    /** One device, or (when {@code available} is false) the reason there is none. */
    public record Result(boolean available, List<String> devices, String reason) {}

    private CudaProbe() {}

    /** The first answer, kept: JCuda cannot retry a failed native load, and later attempts only say it failed before. */
    private static volatile Result first;

    public static synchronized Result probe() {
        if (first != null) return first;
        try {
            first = probeDriver();
        } catch (LinkageError e) {
            // JCuda's first failure is UnsatisfiedLinkError (no libcuda.so.1), later ones NoClassDefFoundError
            first = new Result(false, List.of(), explain(e));
        } catch (RuntimeException e) {
            first = new Result(false, List.of(), firstLine(e.getMessage()));
        }
        return first;
    }

    private static Result probeDriver() {
        jcuda.driver.JCudaDriver.setExceptionsEnabled(false);
        int rc = jcuda.driver.JCudaDriver.cuInit(0);
        if (rc != 0) return new Result(false, List.of(), "cuInit failed: " + jcuda.driver.CUresult.stringFor(rc) + " (no usable NVIDIA GPU or driver)");
        int[] count = new int[1];
        jcuda.driver.JCudaDriver.cuDeviceGetCount(count);
        if (count[0] == 0) return new Result(false, List.of(), "the NVIDIA driver reports no CUDA device");
        int[] version = new int[1];
        jcuda.driver.JCudaDriver.cuDriverGetVersion(version);
        if (version[0] < 12000) {
            return new Result(false, List.of(), String.format("the NVIDIA driver supports CUDA %d.%d; SpecLab's kernels need 12.0 or newer (update the driver)",
                    version[0] / 1000, version[0] % 1000 / 10));
        }
        List<String> devices = new ArrayList<>();
        String tooOld = null;
        int usable = 0;
        for (int i = 0; i < count[0]; i++) {
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            jcuda.driver.JCudaDriver.cuDeviceGet(dev, i);
            byte[] name = new byte[256];
            jcuda.driver.JCudaDriver.cuDeviceGetName(name, name.length, dev);
            long[] mem = new long[1];
            jcuda.driver.JCudaDriver.cuDeviceTotalMem(mem, dev);
            String n = new String(name).trim().replace("\0", "");
            int[] major = new int[1], minor = new int[1];
            jcuda.driver.JCudaDriver.cuDeviceGetAttribute(major, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            jcuda.driver.JCudaDriver.cuDeviceGetAttribute(minor, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            // the shipped PTX targets compute 7.5 (Turing) and newer: older GPUs cannot load it
            boolean old = major[0] * 10 + minor[0] < 75;
            if (old) tooOld = String.format("%s has compute capability %d.%d; SpecLab's kernels need 7.5 (Turing) or newer", n, major[0], minor[0]);
            else usable++;
            devices.add(String.format("cuda:%d  %s, %.1f GiB, compute %d.%d, driver CUDA %d.%d%s", i, n, mem[0] / (double) (1L << 30),
                    major[0], minor[0], version[0] / 1000, version[0] % 1000 / 10, old ? " (too old for SpecLab)" : ""));
        }
        if (usable == 0) return new Result(false, List.of(), tooOld);
        return new Result(true, devices, null);
    }

    static String explain(Throwable e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("libcuda")) return "libcuda.so.1 not found (no NVIDIA driver installed)";
        if (e instanceof NoClassDefFoundError) return "the JCuda native library could not be loaded earlier in this process";
        return firstLine(e.getClass().getSimpleName() + ": " + m);
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
