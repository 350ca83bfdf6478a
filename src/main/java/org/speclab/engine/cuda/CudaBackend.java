package org.speclab.engine.cuda;

import org.speclab.engine.Backend;
import org.speclab.engine.EngineException;
import org.speclab.engine.Transformer;
import org.speclab.model.ModelFile;

/**
 * CUDA device {@code index}. Check {@link CudaProbe#probe()} first: this class touches JCuda,
 * whose native library is missing wherever the NVIDIA driver is; a {@link LinkageError} that
 * still gets here is turned into an {@link EngineException} with the probe's one-line reason.
 */
public final class CudaBackend implements Backend {
    private final int index;
    private final DeviceWeights.Progress progress;

    public CudaBackend(int index) {
        this(index, null);
    }

    /** {@code progress}: told (bytes uploaded, bytes in all) while the weights stream to the device; may be null. */
    public CudaBackend(int index, java.util.function.BiConsumer<Long, Long> progress) {
        this.index = index;
        this.progress = progress == null ? DeviceWeights.Progress.NONE : progress::accept;
    }

    @Override
    public String name() { return "cuda:" + index; }

    /** {@code threads} is ignored: the device runs every position's kernels itself. */
    @Override
    public Transformer load(ModelFile model, int threads) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) throw new EngineException("CUDA not available: " + probe.reason());
        Gpu gpu;
        try {
            gpu = JCudaGpu.open(index);
        } catch (LinkageError e) {
            throw new EngineException("CUDA not available: " + CudaProbe.explain(e));
        }
        try {
            return new CudaTransformer(gpu, model, progress);
        } catch (RuntimeException | LinkageError e) {
            gpu.close();
            if (e instanceof LinkageError l) throw new EngineException("CUDA not available: " + CudaProbe.explain(l));
            throw (RuntimeException) e;
        }
    }
}
