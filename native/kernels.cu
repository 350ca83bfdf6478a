// SpecLab's CUDA kernels: the Llama forward pass of engine/cpu/CpuTransformer.java, on the GPU.
//
// Built to PTX by native/build.sh and shipped as a resource, so users need only a driver.
// Every kernel is written so that one output value is computed by the same threads in the same
// order whatever the batch size T: a position's logits are then bit-identical alone or inside a
// verify batch (the engine contract that makes greedy speculation exact).
//
// Rules that keep this file runnable by the CPU emulator in native/emulator/ (tests without a GPU):
// no early return before a __syncthreads (guard the work, not the barrier), no warp intrinsics,
// no CUDA headers; helpers below have a host twin in the emulator.

#ifndef SPECLAB_EMULATOR
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
// cvt.f32.f16 is exact; a header-free way to read the f16 scales of the block formats
__device__ __forceinline__ float h2f(u16 h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
#endif

#define MAX_T 16          // positions one matrix launch serves: each weight row is read once for all
#define MM_WARPS 4        // rows per matrix block, one 32-lane warp each
#define BLOCK 256         // threads of the row-wise kernels (norm, attention, argmax)

__device__ __forceinline__ u16 ld16(const u8* p) { return *(const u16*)p; }
__device__ __forceinline__ float bf2f(u16 b) { return __uint_as_float(((u32)b) << 16); }

// ---- one "unit" of a weight row, dequantized to floats exactly as the quant package's codecs do
// (__fmul_rn/__fadd_rn forbid fused multiply-adds, which would round differently from Java) ----

template <int U> struct F32u {
    static const int UNIT = U;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const float* p = (const float*)row + U * u;
        #pragma unroll
        for (int k = 0; k < U; k++) w[k] = p[k];
    }
};

template <int U> struct F16u {
    static const int UNIT = U;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u16* p = (const u16*)row + U * u;
        #pragma unroll
        for (int k = 0; k < U; k++) w[k] = h2f(p[k]);
    }
};

template <int U> struct BF16u {
    static const int UNIT = U;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u16* p = (const u16*)row + U * u;
        #pragma unroll
        for (int k = 0; k < U; k++) w[k] = bf2f(p[k]);
    }
};

// {f16 d; i8 qs[32]}: x = q·d
struct Q8_0u {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 34 * u;
        float d = h2f(ld16(b));
        #pragma unroll
        for (int k = 0; k < 32; k += 2) {
            u16 two = ld16(b + 2 + k);
            w[k] = __fmul_rn((float)(signed char)(two & 0xFF), d);
            w[k + 1] = __fmul_rn((float)(signed char)(two >> 8), d);
        }
    }
};

// {f16 d; u8 qs[16]}: element k < 16 is the low nibble of qs[k], k ≥ 16 the high one; x = (q − 8)·d
struct Q4_0u {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 18 * u;
        float d = h2f(ld16(b));
        #pragma unroll
        for (int k = 0; k < 16; k += 2) {
            u16 two = ld16(b + 2 + k);
            w[k] = __fmul_rn((float)((int)(two & 0xF) - 8), d);
            w[k + 16] = __fmul_rn((float)((int)((two >> 4) & 0xF) - 8), d);
            w[k + 1] = __fmul_rn((float)((int)((two >> 8) & 0xF) - 8), d);
            w[k + 17] = __fmul_rn((float)((int)(two >> 12) - 8), d);
        }
    }
};

// {f16 d; f16 m; u8 qs[16]}: x = q·d + m
struct Q4_1u {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 20 * u;
        float d = h2f(ld16(b)), m = h2f(ld16(b + 2));
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            u32 q = b[4 + k];
            w[k] = __fadd_rn(__fmul_rn((float)(q & 0xF), d), m);
            w[k + 16] = __fadd_rn(__fmul_rn((float)(q >> 4), d), m);
        }
    }
};

// The 6-bit scale and min of group j of a Q4_K/Q5_K super-block, packed in 12 bytes (ggml's get_scale_min_k4)
__device__ __forceinline__ void scaleMinK4(const u8* s, int j, int* sc, int* mn) {
    if (j < 4) {
        *sc = s[j] & 63;
        *mn = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Super-blocks of 256 = {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}; a unit is one group j of 32
// with 6-bit scale and min (ggml's get_scale_min_k4); groups 2i and 2i+1 share 32 bytes of nibbles.
struct Q4_Ku {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 144 * (u >> 3);
        int j = u & 7;
        int sc, mn;
        scaleMinK4(b + 4, j, &sc, &mn);
        float d = __fmul_rn(h2f(ld16(b)), (float)sc), m = __fmul_rn(h2f(ld16(b + 2)), (float)mn);
        const u8* q = b + 16 + 32 * (j >> 1);
        int shift = (j & 1) * 4;
        #pragma unroll
        for (int k = 0; k < 32; k++) w[k] = __fsub_rn(__fmul_rn(d, (float)((q[k] >> shift) & 0xF)), m);
    }
};

// Super-blocks of 256 = {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}; a unit is one group of 16
// sharing scales[unit]; element e: low nibble from ql, 2 high bits from qh, interleaved by 32s.
struct Q6_Ku {
    static const int UNIT = 16;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 210 * (u >> 4);
        int g = u & 15;
        float ds = __fmul_rn(h2f(ld16(b + 208)), (float)(signed char)b[192 + g]);
        int h = g >> 3, quarter = (g >> 1) & 3, l0 = (g & 1) * 16;
        const u8* ql = b + 64 * h + 32 * (quarter & 1);
        const u8* qh = b + 128 + 32 * h;
        int nib = quarter >= 2 ? 4 : 0, hs = 2 * quarter;
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            int l = l0 + k;
            int q = (((ql[l] >> nib) & 0xF) | (((qh[l] >> hs) & 3) << 4)) - 32;
            w[k] = __fmul_rn(ds, (float)q);
        }
    }
};

__device__ __forceinline__ u32 ld32b(const u8* p) { return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24); }

// {f16 d; u8 qh[4]; u8 qs[16]}: Q4_0's nibbles plus a fifth bit (bit k of qh for element k); x = (q − 16)·d
struct Q5_0u {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 22 * u;
        float d = h2f(ld16(b));
        u32 qh = ld32b(b + 2);
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            u32 q = b[6 + k];
            int lo = (int)((q & 0xF) | (((qh >> k) << 4) & 0x10)), hi = (int)((q >> 4) | ((qh >> (k + 12)) & 0x10));
            w[k] = __fmul_rn((float)(lo - 16), d);
            w[k + 16] = __fmul_rn((float)(hi - 16), d);
        }
    }
};

// {f16 d; f16 m; u8 qh[4]; u8 qs[16]}: Q5_0's codes; x = q·d + m
struct Q5_1u {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 24 * u;
        float d = h2f(ld16(b)), m = h2f(ld16(b + 2));
        u32 qh = ld32b(b + 4);
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            u32 q = b[8 + k];
            u32 lo = (q & 0xF) | (((qh >> k) << 4) & 0x10), hi = (q >> 4) | ((qh >> (k + 12)) & 0x10);
            w[k] = __fadd_rn(__fmul_rn((float)lo, d), m);
            w[k + 16] = __fadd_rn(__fmul_rn((float)hi, d), m);
        }
    }
};

// Super-blocks of 256 = {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: Q4_K's groups, scales
// and mins; group j's fifth bit is bit j of qh[k]
struct Q5_Ku {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 176 * (u >> 3);
        int j = u & 7;
        int sc, mn;
        scaleMinK4(b + 4, j, &sc, &mn);
        float d = __fmul_rn(h2f(ld16(b)), (float)sc), m = __fmul_rn(h2f(ld16(b + 2)), (float)mn);
        const u8* qh = b + 16;
        const u8* q = b + 48 + 32 * (j >> 1);
        int shift = (j & 1) * 4;
        #pragma unroll
        for (int k = 0; k < 32; k++) w[k] = __fsub_rn(__fmul_rn(d, (float)(((q[k] >> shift) & 0xF) + ((qh[k] >> j) & 1) * 16)), m);
    }
};

__device__ __forceinline__ int iq4Level(int q) {
    const int levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    return levels[q];
}

// {f16 d; u8 qs[16]} in Q4_0's order; x = d·level[q], llama.cpp's non-linear 4-bit levels
struct IQ4_NLu {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 18 * u;
        float d = h2f(ld16(b));
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            w[k] = __fmul_rn(d, (float)iq4Level(b[2 + k] & 0xF));
            w[k + 16] = __fmul_rn(d, (float)iq4Level(b[2 + k] >> 4));
        }
    }
};

// Super-blocks of 256 = {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}; a unit is one group of 32
// in IQ4_NL's layout with a 6-bit scale (minus 32)
struct IQ4_XSu {
    static const int UNIT = 32;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 136 * (u >> 3);
        int g = u & 7;
        u32 high = ld16(b + 2);
        int ls = (int)(((b[4 + g / 2] >> (4 * (g % 2))) & 0xF) | (((high >> (2 * g)) & 3) << 4));
        float dl = __fmul_rn(h2f(ld16(b)), (float)(ls - 32));
        const u8* q = b + 8 + 16 * g;
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            w[k] = __fmul_rn(dl, (float)iq4Level(q[k] & 0xF));
            w[k + 16] = __fmul_rn(dl, (float)iq4Level(q[k] >> 4));
        }
    }
};

// Super-blocks of 256 = {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}; a unit is one group g of 16 with a
// 4-bit scale and min in scales[g]; x = d·scale·q − dmin·min, q 2 bits
struct Q2_Ku {
    static const int UNIT = 16;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 84 * (u >> 4);
        int g = u & 15, half = g >> 3, shift = 2 * ((g >> 1) & 3), part = g & 1;
        int sc = b[g];
        float dl = __fmul_rn(h2f(ld16(b + 80)), (float)(sc & 0xF)), ml = __fmul_rn(h2f(ld16(b + 82)), (float)(sc >> 4));
        const u8* q = b + 16 + 32 * half + 16 * part;
        #pragma unroll
        for (int k = 0; k < 16; k++) w[k] = __fsub_rn(__fmul_rn(dl, (float)((q[k] >> shift) & 3)), ml);
    }
};

// Super-blocks of 256 = {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}; a unit is one group g of 16
// with a 6-bit scale (minus 32); x = d·scale·(q − 4·[high bit clear]), q's low 2 bits in qs
struct Q3_Ku {
    static const int UNIT = 16;
    static __device__ __forceinline__ void load(const u8* row, int u, float* w) {
        const u8* b = row + 110 * (u >> 4);
        int g = u & 15, word = g >> 2, k4 = g & 3;
        const u8* s = b + 96;
        int lowSrc = (word & 1) ? s[4 + k4] : s[k4];
        int sc = ((word >= 2 ? lowSrc >> 4 : lowSrc & 0xF) | (((s[8 + k4] >> (2 * word)) & 3) << 4)) - 32;
        float dl = __fmul_rn(h2f(ld16(b + 108)), (float)sc);
        int half = g >> 3, step = (g >> 1) & 3, part = g & 1, m = 1 << (4 * half + step);
        const u8* q = b + 32 + 32 * half + 16 * part;
        const u8* hm = b + 16 * part;
        #pragma unroll
        for (int k = 0; k < 16; k++) {
            int low = (q[k] >> (2 * step)) & 3, high = (hm[k] & m) ? 0 : 4;
            w[k] = __fmul_rn(dl, (float)(low - high));
        }
    }
};

// ---- matrix × T vectors: y[t][row] = W[row] · x[t], t < T ≤ MAX_T ----
// One warp per row. Lane l takes units l, l+32, l+64, …, multiplying each dequantized unit with
// every position's vector, so the row is read once; each lane's partial sums are then added by
// one lane per position, lanes 0..31 in order. Which lane adds what, and in which order, depends
// only on the row length: never on T.
template <class W>
__device__ void matmul(const u8* __restrict__ wt, long long rowBytes, int rows, int cols,
                       const float* __restrict__ x, float* __restrict__ y, int T) {
    __shared__ float part[MM_WARPS][MAX_T][33];
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int row = blockIdx.x * MM_WARPS + warp;
    float acc[MAX_T];
    #pragma unroll
    for (int t = 0; t < MAX_T; t++) acc[t] = 0.f;
    if (row < rows) {
        const u8* r = wt + rowBytes * row;
        int units = cols / W::UNIT;
        for (int u = lane; u < units; u += 32) {
            float w[W::UNIT];
            W::load(r, u, w);
            const float* xu = x + W::UNIT * u;
            #pragma unroll
            for (int t = 0; t < MAX_T; t++) {
                if (t < T) {
                    float a = acc[t];
                    #pragma unroll
                    for (int k = 0; k < W::UNIT; k++) a += w[k] * xu[(long long)t * cols + k];
                    acc[t] = a;
                }
            }
        }
    }
    #pragma unroll
    for (int t = 0; t < MAX_T; t++) part[warp][t][lane] = acc[t];
    __syncthreads();
    if (row < rows && lane < T) {
        float s = 0.f;
        for (int l = 0; l < 32; l++) s += part[warp][lane][l];
        y[(long long)lane * rows + row] = s;
    }
}

// out[t][j] = W[tokens[t]][j]: one thread per unit of the row
template <class W>
__device__ void embed(const u8* __restrict__ wt, long long rowBytes, int cols, const int* __restrict__ tokens, float* __restrict__ out) {
    int t = blockIdx.y;
    int u = blockIdx.x * blockDim.x + threadIdx.x;
    if (u < cols / W::UNIT) {
        float w[W::UNIT];
        W::load(wt + rowBytes * tokens[t], u, w);
        #pragma unroll
        for (int k = 0; k < W::UNIT; k++) out[(long long)t * cols + W::UNIT * u + k] = w[k];
    }
}

#define WEIGHT_KERNELS(name, W) \
    extern "C" __global__ void __launch_bounds__(32 * MM_WARPS) matmul_##name(const u8* w, long long rowBytes, int rows, int cols, const float* x, float* y, int T) { \
        matmul<W>(w, rowBytes, rows, cols, x, y, T); } \
    extern "C" __global__ void embed_##name(const u8* w, long long rowBytes, int cols, const int* tokens, float* out) { \
        embed<W>(w, rowBytes, cols, tokens, out); }

// float rows whose length is a multiple of 4 take 4 elements per unit; any other length, 1
WEIGHT_KERNELS(f32, F32u<4>)
WEIGHT_KERNELS(f32_1, F32u<1>)
WEIGHT_KERNELS(f16, F16u<4>)
WEIGHT_KERNELS(f16_1, F16u<1>)
WEIGHT_KERNELS(bf16, BF16u<4>)
WEIGHT_KERNELS(bf16_1, BF16u<1>)
WEIGHT_KERNELS(q8_0, Q8_0u)
WEIGHT_KERNELS(q4_0, Q4_0u)
WEIGHT_KERNELS(q4_1, Q4_1u)
WEIGHT_KERNELS(q4_k, Q4_Ku)
WEIGHT_KERNELS(q6_k, Q6_Ku)
WEIGHT_KERNELS(q5_0, Q5_0u)
WEIGHT_KERNELS(q5_1, Q5_1u)
WEIGHT_KERNELS(q5_k, Q5_Ku)
WEIGHT_KERNELS(iq4_nl, IQ4_NLu)
WEIGHT_KERNELS(iq4_xs, IQ4_XSu)
WEIGHT_KERNELS(q2_k, Q2_Ku)
WEIGHT_KERNELS(q3_k, Q3_Ku)

// ---- the rest of the layer ----

// Sum of BLOCK per-thread partials by thread 0, in thread order: a fixed order for a fixed block
// size (a tree of shuffles would do as well; this one the emulator runs with a single barrier).
__device__ float blockSum(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.f;
        for (int i = 0; i < BLOCK; i++) s += shared[i];
        shared[BLOCK] = s;
    }
    __syncthreads();
    float s = shared[BLOCK];
    __syncthreads();
    return s;
}

__device__ float blockMax(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float m = shared[0];
        for (int i = 1; i < BLOCK; i++) m = fmaxf(m, shared[i]);
        shared[BLOCK] = m;
    }
    __syncthreads();
    float m = shared[BLOCK];
    __syncthreads();
    return m;
}

// out[t] = weight ⊙ x[t] / sqrt(mean(x[t]²) + eps); one block of BLOCK threads per position
extern "C" __global__ void __launch_bounds__(BLOCK) rmsnorm(const float* x, const float* weight, float* out, int n, float eps) {
    __shared__ float red[BLOCK + 1];
    const float* xt = x + (long long)blockIdx.x * n;
    float* ot = out + (long long)blockIdx.x * n;
    float ss = 0.f;
    for (int j = threadIdx.x; j < n; j += BLOCK) ss += xt[j] * xt[j];
    ss = blockSum(ss, red);
    float scale = 1.0f / sqrtf(ss / n + eps);
    for (int j = threadIdx.x; j < n; j += BLOCK) ot[j] = __fmul_rn(weight[j], __fmul_rn(scale, xt[j]));
}

// Positions come from device memory (*start, the first position of the call), not from launch
// arguments: a decode step's launches are then the same every step, and the host can record them
// once as a CUDA graph and replay it.

// Rotates pairs of each head's first ropeDim values, as CpuTransformer.rope does: (2i, 2i+1), or with
// neox (i, i + ropeDim/2); the angle's cos/sin taken from a table the host computes like the CPU
// engine (Java's Math.cos). grid: T positions; the table row is position *start + t.
extern "C" __global__ void rope(float* q, float* k, const float* cosT, const float* sinT, const int* start,
                                int heads, int kvHeads, int headDim, int ropeDim, int neox) {
    int t = blockIdx.x, n = ropeDim / 2, startPos = *start;
    const float* c = cosT + (long long)(startPos + t) * n;
    const float* s = sinT + (long long)(startPos + t) * n;
    for (int p = threadIdx.x; p < (heads + kvHeads) * n; p += blockDim.x) {
        int h = p / n, i = p % n;
        float* v = h < heads ? q + (long long)t * heads * headDim + h * headDim
                             : k + (long long)t * kvHeads * headDim + (h - heads) * headDim;
        int i0 = neox ? i : 2 * i, i1 = neox ? i + n : 2 * i + 1;
        float v0 = v[i0], v1 = v[i1], fc = c[i], fs = s[i];
        v[i0] = __fsub_rn(__fmul_rn(v0, fc), __fmul_rn(v1, fs));
        v[i1] = __fadd_rn(__fmul_rn(v0, fs), __fmul_rn(v1, fc));
    }
}

// Writes the keys and values of T positions into the cache at positions *start ..
// (grid: enough blocks of 256 threads for T · kvDim values).
extern "C" __global__ void kv_store(const float* k, const float* v, float* keys, float* values, const int* start, int T, int kvDim) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (long long)T * kvDim) {
        long long at = (long long)(*start) * kvDim + i;
        keys[at] = k[i];
        values[at] = v[i];
    }
}

// Causal grouped-query attention of position *start + t0 + t (grid.y = t) for head grid.x over the
// cached positions 0..that position (with window > 0: the last window of them), whose keys and values
// kv_store wrote before this launch. Scores are divided by scale and, with softcap > 0, capped as
// softcap·tanh(s/softcap). scores: [T][heads][capacity] scratch. Softmax and weighted sum as
// CpuTransformer.attention.
extern "C" __global__ void __launch_bounds__(BLOCK) attention(const float* q, const float* keys, const float* values, float* out,
                                     float* scores, const int* start, int t0, int heads, int kvHeads, int headDim, int capacity,
                                     float scale, float softcap, int window) {
    __shared__ float red[BLOCK + 1];
    int h = blockIdx.x, t = blockIdx.y, pos = *start + t0 + t;
    int kvDim = kvHeads * headDim, kvo = (h / (heads / kvHeads)) * headDim;
    const float* qh = q + (long long)t * heads * headDim + h * headDim;
    float* att = scores + ((long long)t * heads + h) * capacity;
    int first = window > 0 && pos + 1 > window ? pos + 1 - window : 0;
    float mx = -3.402823466e38f;
    for (int p = first + threadIdx.x; p <= pos; p += BLOCK) {
        const float* kp = keys + (long long)p * kvDim + kvo;
        float s = 0.f;
        for (int i = 0; i < headDim; i++) s += qh[i] * kp[i];
        s = s / scale;
        if (softcap > 0.f) s = softcap * tanhf(s / softcap);
        att[p] = s;
        mx = fmaxf(mx, s);
    }
    mx = blockMax(mx, red);
    float sum = 0.f;
    for (int p = first + threadIdx.x; p <= pos; p += BLOCK) {
        float e = expf(att[p] - mx);
        att[p] = e;
        sum += e;
    }
    sum = blockSum(sum, red);
    for (int p = first + threadIdx.x; p <= pos; p += BLOCK) att[p] = att[p] / sum;
    __syncthreads();
    float* o = out + (long long)t * heads * headDim + h * headDim;
    for (int i = threadIdx.x; i < headDim; i += BLOCK) {
        float acc = 0.f;
        for (int p = first; p <= pos; p++) acc += att[p] * values[(long long)p * kvDim + kvo + i];
        o[i] = acc;
    }
}

// g = silu(g) · u, elementwise over n values
extern "C" __global__ void swiglu(float* g, const float* u, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = g[i];
        g[i] = __fmul_rn(__fmul_rn(v, 1.0f / (1.0f + expf(-v))), u[i]);
    }
}

// g = gelu(g) · u with GELU's tanh form, elementwise over n values (Gemma 2)
extern "C" __global__ void geglu(float* g, const float* u, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = g[i];
        g[i] = __fmul_rn(__fmul_rn(__fmul_rn(0.5f, v), 1.0f + tanhf(0.7978845608028654f * v * (1.0f + 0.044715f * v * v))), u[i]);
    }
}

// x[i] += b[i mod dim] over n values: a bias added to each of the rows of x (Qwen2's q/k/v)
extern "C" __global__ void add_bias(float* x, const float* b, long long n, int dim) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] + b[i % dim];
}

// x *= s over n values (Gemma 2's embedding scale)
extern "C" __global__ void scale(float* x, float s, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] * s;
}

// x = cap · tanh(x / cap) over n values (Gemma 2's final soft-capping)
extern "C" __global__ void softcap(float* x, float cap, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = cap * tanhf(x[i] / cap);
}

// x += d, elementwise over n values (the residual connections)
extern "C" __global__ void add(float* x, const float* d, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] + d[i];
}

// out[r] = index of the largest of logits[r][0..n), the first one on ties (as Sampler.argmax)
extern "C" __global__ void __launch_bounds__(BLOCK) argmax(const float* logits, int n, int* out) {
    __shared__ float best[BLOCK];
    __shared__ int where[BLOCK];
    const float* x = logits + (long long)blockIdx.x * n;
    float b = -3.402823466e38f;
    int w = 0x7fffffff;
    for (int i = threadIdx.x; i < n; i += BLOCK) {
        if (x[i] > b) { b = x[i]; w = i; }
    }
    best[threadIdx.x] = b;
    where[threadIdx.x] = w;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int i = 1; i < BLOCK; i++) {
            if (best[i] > b || (best[i] == b && where[i] < w)) { b = best[i]; w = where[i]; }
        }
        out[blockIdx.x] = w == 0x7fffffff ? 0 : w;
    }
}

// Order-preserving map of a float to an unsigned key (Float.compare's order, -0 before +0), and back.
__device__ __forceinline__ u32 sortKey(float v) {
    u32 u = __float_as_uint(v);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ float keyValue(u32 key) {
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// The candidates a top-k sampler keeps, one block per row of logits: p = x / temperature, kth = the
// k-th largest p (what Sampler.warp finds by sorting), and every i with !(p[i] < kth), in index order,
// written as ids[row][..] and p values vals[row][..] when they fit in cap; counts[row] = how many
// there are (more than cap only when ties at kth are many: the host then reads the whole row).
// kth is found by radix selection on the keys, 8 bits a pass, in a 256-bin shared histogram.
// Requires 0 < k ≤ n.
extern "C" __global__ void __launch_bounds__(BLOCK) topk(const float* logits, int n, float temperature, int k, int cap,
                                                        int* ids, float* vals, int* counts) {
    __shared__ u32 hist[256];
    __shared__ u32 sel[3];  // prefix of the k-th key found so far, its mask, how many of that prefix still rank above
    __shared__ int offsets[BLOCK + 1];
    const float* x = logits + (long long)blockIdx.x * n;
    if (threadIdx.x == 0) { sel[0] = 0u; sel[1] = 0u; sel[2] = (u32)k; }
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += BLOCK) hist[i] = 0u;
        __syncthreads();
        u32 prefix = sel[0], mask = sel[1];
        for (int i = threadIdx.x; i < n; i += BLOCK) {
            u32 key = sortKey(__fdiv_rn(x[i], temperature));
            if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            u32 need = sel[2];
            for (int b = 255; b >= 0; b--) {
                if (hist[b] >= need) { sel[0] = prefix | ((u32)b << shift); break; }
                need -= hist[b];
            }
            sel[1] = mask | (255u << shift);
            sel[2] = need;
        }
        __syncthreads();
    }
    float kth = keyValue(sel[0]);
    // each thread takes a contiguous stretch of indices, so the output comes out in index order
    int per = (n + BLOCK - 1) / BLOCK, from = threadIdx.x * per, to = min(n, from + per);
    int mine = 0;
    for (int i = from; i < to; i++) if (!(__fdiv_rn(x[i], temperature) < kth)) mine++;
    offsets[threadIdx.x] = mine;
    __syncthreads();
    if (threadIdx.x == 0) {
        int sum = 0;
        for (int i = 0; i < BLOCK; i++) { int c = offsets[i]; offsets[i] = sum; sum += c; }
        offsets[BLOCK] = sum;
        counts[blockIdx.x] = sum;
    }
    __syncthreads();
    if (offsets[BLOCK] <= cap) {
        int o = offsets[threadIdx.x];
        int* id = ids + (long long)blockIdx.x * cap;
        float* val = vals + (long long)blockIdx.x * cap;
        for (int i = from; i < to; i++) {
            float p = __fdiv_rn(x[i], temperature);
            if (!(p < kth)) { id[o] = i; val[o] = p; o++; }
        }
    }
}

#ifdef SPECLAB_EMULATOR
EMU_REGISTER(matmul_f32) EMU_REGISTER(matmul_f32_1) EMU_REGISTER(matmul_f16) EMU_REGISTER(matmul_f16_1)
EMU_REGISTER(matmul_bf16) EMU_REGISTER(matmul_bf16_1) EMU_REGISTER(matmul_q8_0) EMU_REGISTER(matmul_q4_0)
EMU_REGISTER(matmul_q4_1) EMU_REGISTER(matmul_q4_k) EMU_REGISTER(matmul_q6_k)
EMU_REGISTER(embed_f32) EMU_REGISTER(embed_f32_1) EMU_REGISTER(embed_f16) EMU_REGISTER(embed_f16_1)
EMU_REGISTER(embed_bf16) EMU_REGISTER(embed_bf16_1) EMU_REGISTER(embed_q8_0) EMU_REGISTER(embed_q4_0)
EMU_REGISTER(embed_q4_1) EMU_REGISTER(embed_q4_k) EMU_REGISTER(embed_q6_k)
EMU_REGISTER(matmul_q5_0) EMU_REGISTER(matmul_q5_1) EMU_REGISTER(matmul_q5_k) EMU_REGISTER(matmul_iq4_nl) EMU_REGISTER(matmul_iq4_xs)
EMU_REGISTER(matmul_q2_k) EMU_REGISTER(matmul_q3_k)
EMU_REGISTER(embed_q5_0) EMU_REGISTER(embed_q5_1) EMU_REGISTER(embed_q5_k) EMU_REGISTER(embed_iq4_nl) EMU_REGISTER(embed_iq4_xs)
EMU_REGISTER(embed_q2_k) EMU_REGISTER(embed_q3_k)
EMU_REGISTER(rmsnorm) EMU_REGISTER(rope) EMU_REGISTER(kv_store) EMU_REGISTER(attention) EMU_REGISTER(swiglu) EMU_REGISTER(add) EMU_REGISTER(argmax) EMU_REGISTER(topk)
EMU_REGISTER(geglu) EMU_REGISTER(add_bias) EMU_REGISTER(scale) EMU_REGISTER(softcap)
#endif
