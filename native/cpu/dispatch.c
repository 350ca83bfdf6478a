/*
 * The library's entry points: picks the kernels of the best instruction set the CPU has
 * (AVX-512 VNNI, else AVX2 with FMA and F16C) and says which, so SpecLab can print the path it runs
 * and fall back to its Java kernels where neither is there. Java calls these through the FFM API.
 */
#include <stdint.h>
#include <string.h>

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
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_packed_##isa(int32_t, const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
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

/*
 * Packed weights (kernels.c, "sixteen rows in the lanes"): Q8_0 (8), Q4_0 (2) and Q4_1 (3) matrices of
 * at least 16 rows. sl_pack writes the first rows / 16 · 16 rows of w (rows of row_bytes, one after
 * another) into dst, which holds as many bytes; returns 0, or -1 for another type.
 */
int sl_pack(int32_t type, const uint8_t *w, int64_t row_bytes, int32_t rows, uint8_t *dst) {
    int bs = type == 8 ? 34 : type == 2 ? 18 : type == 3 ? 20 : 0;
    if (bs == 0) return -1;
    int head = type == 3 ? 4 : 2, scales = type == 3 ? 64 : 32;
    int64_t nb = row_bytes / bs;
    for (int32_t g = 0; g + 16 <= rows; g += 16) {
        uint8_t *gd = dst + row_bytes * g;
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *ud = gd + 16 * bs * b;
            for (int r = 0; r < 16; r++) {
                const uint8_t *blk = w + row_bytes * (g + r) + bs * b;
                ud[2 * r] = blk[0];
                ud[2 * r + 1] = blk[1];
                if (type == 3) {
                    ud[32 + 2 * r] = blk[2];
                    ud[32 + 2 * r + 1] = blk[3];
                }
                int units = type == 8 ? 8 : 4;
                for (int k = 0; k < units; k++) {
                    uint32_t v;
                    memcpy(&v, blk + head + 4 * k, 4);
                    if (type == 8) v ^= 0x80808080u; /* Q8_0's weights + 128: VNNI's unsigned operand */
                    memcpy(ud + scales + 64 * k + 4 * r, &v, 4);
                }
            }
        }
    }
    return 0;
}

/* out[p · out_stride + r] = packed row r · position p for from ≤ r < to (r below the packed rows) and p < t. */
int sl_matmul_packed(int32_t level, int32_t type, const uint8_t *pw, int64_t row_bytes, int32_t from, int32_t to, const uint8_t *act,
                     int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
    if (level < 1 || (type != 8 && type != 2 && type != 3)) return -1;
    if (level == 2) sl_matmul_packed_vnni(type, pw, row_bytes, from, to, act, cap, n, t, out, out_stride);
    else sl_matmul_packed_avx2(type, pw, row_bytes, from, to, act, cap, n, t, out, out_stride);
    return 0;
}
