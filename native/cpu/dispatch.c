/*
 * The library's entry points: picks the kernels of the best instruction set the CPU has
 * (AVX-512 VNNI, else AVX2 with FMA and F16C) and says which, so SpecLab can print the path it runs
 * and fall back to its Java kernels where neither is there. Java calls these through the FFM API.
 */
#include <stdint.h>

#define DECLARE(isa)                                                                                   \
    void sl_quantize_##isa(const float *, int64_t, int64_t, uint8_t *);                              \
    int64_t sl_act_bytes_##isa(int64_t, int64_t);                     \
    void sl_matmul_f16_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                             int64_t, int32_t, float *, int64_t);                                    \
    void sl_matmul_q8_0_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q4_0_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q4_1_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q5_0_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q5_k_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q4_k_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q6_k_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);
DECLARE(avx2)
DECLARE(vnni)

typedef void (*matmul_fn)(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, int64_t, int32_t, float *, int64_t);

static int detect(void) {
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (!avx2) return 0;
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) return 2;
    return 1;
}

/* The instruction set this CPU has: 0 neither (the caller uses its own kernels), 1 AVX2, 2 AVX-512 VNNI.
 * Every call below names the level it runs at (at most this one), so tests can compare the two. */
int sl_level(void) { return detect(); }

/* Bytes of activation buffer for {@code cap} values, {@code n} per position (whole blocks of 32): see kernels.c. */
int64_t sl_act_bytes(int64_t cap, int64_t n) { return sl_act_bytes_avx2(cap, n); }

/* Quantizes x[0 .. cap) (positions of n values one after another, n a whole number of blocks) into act. */
void sl_quantize(int32_t level, const float *x, int64_t cap, int64_t n, uint8_t *act) {
    if (level == 2) sl_quantize_vnni(x, cap, n, act);
    else sl_quantize_avx2(x, cap, n, act);
}

/* ggml type ids: F16 1, Q4_0 2, Q4_1 3, Q5_0 6, Q8_0 8, Q4_K 12, Q5_K 13, Q6_K 14. Returns 0, or -1 for a type without kernels. */
/* out[p · out_stride + r] = row r · position p for from ≤ r < to and p < t; act holds cap values, n per position. */
int sl_matmul(int32_t level, int32_t type, const uint8_t *w, int64_t row_bytes, int32_t from, int32_t to, const uint8_t *act,
              int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
    int v = level == 2;
    matmul_fn f;
    switch (type) {
        case 1: f = v ? sl_matmul_f16_vnni : sl_matmul_f16_avx2; break; /* act: the float32 activations */
        case 2: f = v ? sl_matmul_q4_0_vnni : sl_matmul_q4_0_avx2; break;
        case 3: f = v ? sl_matmul_q4_1_vnni : sl_matmul_q4_1_avx2; break;
        case 6: f = v ? sl_matmul_q5_0_vnni : sl_matmul_q5_0_avx2; break;
        case 8: f = v ? sl_matmul_q8_0_vnni : sl_matmul_q8_0_avx2; break;
        case 12: f = v ? sl_matmul_q4_k_vnni : sl_matmul_q4_k_avx2; break;
        case 13: f = v ? sl_matmul_q5_k_vnni : sl_matmul_q5_k_avx2; break;
        case 14: f = v ? sl_matmul_q6_k_vnni : sl_matmul_q6_k_avx2; break;
        default: return -1;
    }
    if (level < 1) return -1;
    f(w, row_bytes, from, to, act, cap, n, t, out, out_stride);
    return 0;
}
