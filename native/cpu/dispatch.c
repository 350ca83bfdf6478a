/*
 * The library's entry points: picks the kernels of the best instruction set the CPU has
 * (AVX-512 VNNI, else AVX-VNNI, else AVX2 with FMA and F16C) and says which, so SpecLab can print the path it runs
 * and fall back to its Java kernels where neither is there. Java calls these through the FFM API.
 */
#define _GNU_SOURCE /* syscall() under -std=c11 */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blocks.h" /* q3k_scales, iq4xs_ls, packed_sb_bytes */

#define DECLARE(isa)                                                                                   \
    void sl_quantize_part_##isa(const float *, int64_t, int64_t, uint8_t *, int64_t, int64_t, int32_t, int32_t); \
    void sl_quantize_blocks_##isa(const float *, int64_t, int64_t, uint8_t *, int64_t, int64_t, int64_t, int64_t, int32_t); \
    int64_t sl_act_bytes_##isa(int64_t, int64_t);                     \
    int sl_f16_pairs_##isa(int32_t);                                   \
    int sl_f16_split9_##isa(int32_t);                                  \
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
    void sl_matmul_q5_1_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q2_k_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_q3_k_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                              int64_t, int32_t, float *, int64_t);                   \
    void sl_matmul_iq4_nl_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                                int64_t, int32_t, float *, int64_t);                 \
    void sl_matmul_iq4_xs_##isa(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, \
                                int64_t, int32_t, float *, int64_t);                 \
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
DECLARE(avxvnni)
DECLARE(amx)

typedef void (*matmul_fn)(const uint8_t *, int64_t, int32_t, int32_t, const uint8_t *, int64_t, int64_t, int32_t, float *, int64_t);

/* Whether the CPU has AMX's tiles with int8 products (CPUID leaf 7: EDX bits 24 and 25) and Linux lets this
 * process use them: the tile data is a state the kernel saves only for processes that ask (arch_prctl
 * ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, once, for every thread); a kernel before 5.16 says no. */
static int amx_usable(void) {
    static int state = -1;
    if (state >= 0) return state;
    unsigned a, b, c, d;
    state = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (d & (1u << 24)) && (d & (1u << 25))) {
#ifdef SYS_arch_prctl
        state = syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
#endif
    }
    return state;
}

/* The levels this CPU runs, as bits: 1 << 1 AVX2 (with FMA and F16C), 1 << 2 AVX-512 VNNI (with VL and BW),
 * 1 << 3 AVX-VNNI (AVX2's registers with vpdpbusd), 1 << 4 AMX (AVX-512 VNNI's kernels, prefill on int8 tiles). */
static int levels(void) {
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (!avx2) return 0;
    int m = 1 << 1;
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) m |= 1 << 2;
    if (__builtin_cpu_supports("avxvnni")) m |= 1 << 3;
    if ((m & (1 << 2)) && amx_usable()) m |= 1 << 4;
    return m;
}

/* The best instruction set this CPU has: 0 none (the caller uses its own kernels), 1 AVX2, 2 AVX-512 VNNI,
 * 3 AVX-VNNI (256 bits; below AVX-512 VNNI, above AVX2), 4 AMX (above AVX-512 VNNI). Every call below names
 * the level it runs at, so tests can compare them. */
int sl_level(void) {
    int m = levels();
    return m & (1 << 4) ? 4 : m & (1 << 2) ? 2 : m & (1 << 3) ? 3 : m ? 1 : 0;
}

/* Every level this CPU can run (the bits of levels()), so AVX-VNNI can be measured on an AVX-512 machine. */
int sl_levels(void) { return levels(); }

/* Bytes of activation buffer for {@code cap} values, {@code n} per position (whole blocks of 32): see kernels.c. */
int64_t sl_act_bytes(int64_t cap, int64_t n) { return sl_act_bytes_avx2(cap, n); }

/* Quantizes positions p0 .. p1 of x[0 .. cap) (positions of n values one after another, n a whole number of blocks)
 * into act, laid out for all cap values; p0 and p1 multiples of eight, or p1 the last position, so that threads
 * can share the work. transpose: also the transposed copy that sl_matmul's Q8_0, Q4_0 and Q5_0 kernels read for
 * eight positions or more (sl_matmul_packed never reads it). span: blocks per scale, 1, or 8 for products on packed
 * Q6_K, Q3_K or Q2_K rows (n a multiple of 256). */
void sl_quantize_part(int32_t level, const float *x, int64_t cap, int64_t n, uint8_t *act, int64_t p0, int64_t p1, int32_t transpose, int32_t span) {
    if (level == 4) sl_quantize_part_amx(x, cap, n, act, p0, p1, transpose, span);
    else if (level == 2) sl_quantize_part_vnni(x, cap, n, act, p0, p1, transpose, span);
    else if (level == 3) sl_quantize_part_avxvnni(x, cap, n, act, p0, p1, transpose, span);
    else sl_quantize_part_avx2(x, cap, n, act, p0, p1, transpose, span);
}

/* Blocks c0 .. c1 (of n / 32) of each of positions p0 .. p1 of x, quantized into act as sl_quantize_part would (no
 * transposed copy): threads that each computed a range of a product's values quantize their own blocks (c0, c1
 * multiples of span). */
void sl_quantize_blocks(int32_t level, const float *x, int64_t cap, int64_t n, uint8_t *act, int64_t p0, int64_t p1, int64_t c0, int64_t c1, int32_t span) {
    if (level == 4) sl_quantize_blocks_amx(x, cap, n, act, p0, p1, c0, c1, span);
    else if (level == 2) sl_quantize_blocks_vnni(x, cap, n, act, p0, p1, c0, c1, span);
    else if (level == 3) sl_quantize_blocks_avxvnni(x, cap, n, act, p0, p1, c0, c1, span);
    else sl_quantize_blocks_avx2(x, cap, n, act, p0, p1, c0, c1, span);
}

/* ggml type ids: F16 1, Q4_0 2, Q4_1 3, Q5_0 6, Q5_1 7, Q8_0 8, Q2_K 10, Q3_K 11, Q4_K 12, Q5_K 13, Q6_K 14, IQ4_NL 20, IQ4_XS 23. Returns 0, or -1 for a type without kernels. */
/* out[p · out_stride + r] = row r · position p for from ≤ r < to and p < t; act holds cap values, n per position. */
int sl_matmul(int32_t level, int32_t type, const uint8_t *w, int64_t row_bytes, int32_t from, int32_t to, const uint8_t *act,
              int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
#define PICK(name) (level == 4 ? name##_amx : level == 2 ? name##_vnni : level == 3 ? name##_avxvnni : name##_avx2)
    matmul_fn f;
    switch (type) {
        case 1: f = PICK(sl_matmul_f16); break; /* act: the float32 activations */
        case 2: f = PICK(sl_matmul_q4_0); break;
        case 3: f = PICK(sl_matmul_q4_1); break;
        case 6: f = PICK(sl_matmul_q5_0); break;
        case 7: f = PICK(sl_matmul_q5_1); break;
        case 8: f = PICK(sl_matmul_q8_0); break;
        case 10: f = PICK(sl_matmul_q2_k); break;
        case 11: f = PICK(sl_matmul_q3_k); break;
        case 12: f = PICK(sl_matmul_q4_k); break;
        case 13: f = PICK(sl_matmul_q5_k); break;
        case 14: f = PICK(sl_matmul_q6_k); break;
        case 20: f = PICK(sl_matmul_iq4_nl); break;
        case 23: f = PICK(sl_matmul_iq4_xs); break;
        default: return -1;
    }
    if (level < 1) return -1;
    f(w, row_bytes, from, to, act, cap, n, t, out, out_stride);
    return 0;
}

/*
 * Packed weights (kernels.c, "sixteen rows in the lanes"): F16 (1, rows a multiple of four columns),
 * Q8_0 (8), Q4_0 (2), Q4_1 (3), Q5_0 (6), Q5_1 (7), Q2_K (10), Q3_K (11), Q4_K (12), Q5_K (13), Q6_K (14), IQ4_NL (20) and
 * IQ4_XS (23) matrices of at least 16 rows.
 * sl_packed_bytes: the bytes the first rows / 16 · 16 rows take packed (−1 for another type: the one
 * list of what packs); sl_pack writes them from w (rows of row_bytes, one after another) into dst;
 * returns 0, or -1 for another type.
 */
/* a row's bytes of one super-block of 256 (ggml's block size) of the types packed per super-block (packed_sb_bytes) */
static int64_t k_block(int32_t type) { return type == 12 ? 144 : type == 13 ? 176 : type == 14 ? 210 : type == 11 ? 110 : type == 10 ? 84 : 136; }
static int k_type(int32_t type) { return packed_sb_bytes(type) > 0; }

int64_t sl_packed_bytes(int32_t type, int64_t row_bytes, int32_t rows) {
    int64_t groups = rows / 16;
    if (type == 8 || type == 2 || type == 3 || type == 6 || type == 7 || type == 20 || (type == 1 && row_bytes % 8 == 0)) return groups * 16 * row_bytes;
    if (k_type(type)) return groups * (row_bytes / k_block(type)) * packed_sb_bytes(type);
    return -1;
}

/* ggml's 6-bit scale and min j of a Q4_K super-block's 12 scale bytes */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t) ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t) ((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* Code c (0..255) of a Q6_K super-block, 0..63 (ggml's layout: halves of 128, quarters of 32) */
static int code_q6_k(const uint8_t *blk, int c) {
    int n = c / 128, quarter = (c % 128) / 32, l = c % 32;
    const uint8_t *ql = blk + 64 * n, *qh = blk + 128 + 32 * n;
    int lo = ql[l + (quarter & 1 ? 32 : 0)];
    lo = quarter >= 2 ? lo >> 4 : lo & 0xF;
    return lo | (((qh[l] >> (2 * quarter)) & 3) << 4);
}

static void pack_k(int32_t type, const uint8_t *w, int64_t row_bytes, int32_t rows, uint8_t *dst) {
    int64_t bs = k_block(type), nsb = row_bytes / bs, sbb = packed_sb_bytes(type);
    for (int32_t g = 0; g + 16 <= rows; g += 16) {
        for (int64_t sb = 0; sb < nsb; sb++) {
            uint8_t *ud = dst + (g / 16) * nsb * sbb + sb * sbb;
            for (int r = 0; r < 16; r++) {
                const uint8_t *blk = w + row_bytes * (g + r) + bs * sb;
                if (type == 10 || type == 11) { /* Q2_K {scales[16], qs[64], d, dmin}; Q3_K {hmask[32], qs[64], scales[12], d} */
                    int q3 = type == 11;
                    memcpy(ud + 2 * r, blk + (q3 ? 108 : 80), 2); /* d */
                    if (q3) {
                        int8_t sc[16];
                        q3k_scales(blk + 96, sc);
                        for (int j = 0; j < 16; j++) ud[32 + 16 * j + r] = (uint8_t) sc[j];
                    } else {
                        memcpy(ud + 32 + 2 * r, blk + 82, 2); /* dmin */
                        for (int j = 0; j < 16; j++) ud[64 + 16 * j + r] = blk[j];
                    }
                    /* low unit 8q + k: qs[32q + 4k .. +4] as they are; Q3_K's high unit k: hmask[4k .. +4] */
                    for (int q = 0; q < 2; q++)
                        for (int k = 0; k < 8; k++) memcpy(ud + (q3 ? 288 : 320) + 64 * (8 * q + k) + 4 * r, blk + (q3 ? 32 : 16) + 32 * q + 4 * k, 4);
                    if (q3) for (int k = 0; k < 8; k++) memcpy(ud + 1312 + 64 * k + 4 * r, blk + 4 * k, 4);
                } else if (type == 12 || type == 13) { /* Q5_K: Q4_K's with qh[32] before qs */
                    const uint8_t *qs = blk + (type == 13 ? 48 : 16);
                    memcpy(ud + 2 * r, blk, 2);           /* d */
                    memcpy(ud + 32 + 2 * r, blk + 2, 2);  /* dmin */
                    for (int j = 0; j < 8; j++) scale_min_k4(j, blk + 4, ud + 64 + 16 * j + r, ud + 192 + 16 * j + r);
                    for (int i = 0; i < 4; i++)
                        for (int k = 0; k < 8; k++) memcpy(ud + 320 + 64 * (8 * i + k) + 4 * r, qs + 32 * i + 4 * k, 4);
                    /* Q5_K's high units: unit k, row r: qh[4k .. 4k + 3] (bit g of qh[l]: group g's code l) */
                    if (type == 13) for (int k = 0; k < 8; k++) memcpy(ud + 2368 + 64 * k + 4 * r, blk + 16 + 4 * k, 4);
                } else {
                    memcpy(ud + 2 * r, blk + 208, 2);     /* d */
                    for (int j = 0; j < 16; j++) ud[32 + 16 * j + r] = blk[192 + j];
                    for (int i = 0; i < 4; i++)
                        for (int k = 0; k < 8; k++)
                            for (int e = 0; e < 4; e++) {
                                int c0 = code_q6_k(blk, 32 * (2 * i) + 4 * k + e), c1 = code_q6_k(blk, 32 * (2 * i + 1) + 4 * k + e);
                                ud[288 + 64 * (8 * i + k) + 4 * r + e] = (uint8_t) ((c0 & 0xF) | ((c1 & 0xF) << 4));
                            }
                    for (int q = 0; q < 2; q++)
                        for (int k = 0; k < 8; k++)
                            for (int e = 0; e < 4; e++) {
                                int v = 0;
                                for (int t = 0; t < 4; t++) v |= (code_q6_k(blk, 32 * (4 * q + t) + 4 * k + e) >> 4) << (2 * t);
                                ud[2336 + 64 * (8 * q + k) + 4 * r + e] = (uint8_t) v;
                            }
                }
            }
        }
    }
}

int sl_pack(int32_t type, const uint8_t *w, int64_t row_bytes, int32_t rows, uint8_t *dst) {
    if (sl_packed_bytes(type, row_bytes, rows) < 0) return -1;
    if (type == 1) { /* F16: units of four columns × 16 rows (kernels.c) */
        int64_t n = row_bytes / 2;
        for (int32_t g = 0; g + 16 <= rows; g += 16) {
            uint16_t *gd = (uint16_t *) (dst + row_bytes * g); /* 16 rows: fits in L2 while it is filled */
            for (int r = 0; r < 16; r++) {
                const uint8_t *src = w + row_bytes * (g + r); /* each row read once, in order */
                for (int64_t j = 0; j < n; j++) {
                    uint16_t v;
                    memcpy(&v, src + 2 * j, 2);
                    gd[64 * (j / 4) + 16 * (j % 4) + r] = v;
                }
            }
        }
        return 0;
    }
    if (k_type(type) && type != 23) {
        pack_k(type, w, row_bytes, rows, dst);
        return 0;
    }
    if (type == 23) { /* IQ4_XS: per super-block d[16], (ls − 32)[8][16], then each block's four units as IQ4_NL's */
        int64_t bs = k_block(type), nsb = row_bytes / bs, sbb = packed_sb_bytes(type);
        for (int32_t g = 0; g + 16 <= rows; g += 16)
            for (int64_t sb = 0; sb < nsb; sb++) {
                uint8_t *ud = dst + ((int64_t) (g / 16) * nsb + sb) * sbb;
                for (int r = 0; r < 16; r++) {
                    const uint8_t *blk = w + row_bytes * (g + r) + bs * sb;
                    memcpy(ud + 2 * r, blk, 2);
                    for (int b = 0; b < 8; b++) {
                        ud[32 + 16 * b + r] = (uint8_t) (int8_t) iq4xs_ls(blk, b);
                        for (int k = 0; k < 4; k++) memcpy(ud + 160 + 256 * b + 64 * k + 4 * r, blk + 8 + 16 * b + 4 * k, 4);
                    }
                }
            }
        return 0;
    }
    /* a block's bytes, where its codes start, and where a packed block's units start */
    int bs = type == 8 ? 34 : type == 2 || type == 20 ? 18 : type == 3 ? 20 : type == 6 ? 22 : 24;
    int head = type == 3 ? 4 : type == 6 ? 6 : type == 7 ? 8 : 2, scales = type == 3 || type == 7 ? 64 : 32;
    int64_t nb = row_bytes / bs;
    for (int32_t g = 0; g + 16 <= rows; g += 16) {
        uint8_t *gd = dst + row_bytes * g;
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *ud = gd + 16 * bs * b;
            for (int r = 0; r < 16; r++) {
                const uint8_t *blk = w + row_bytes * (g + r) + bs * b;
                ud[2 * r] = blk[0];
                ud[2 * r + 1] = blk[1];
                if (type == 3 || type == 7) {
                    ud[32 + 2 * r] = blk[2];
                    ud[32 + 2 * r + 1] = blk[3];
                }
                if (type == 6 || type == 7) { /* the high unit: byte e, bit j: qh bit 4j + e; bit 4 + j: qh bit 16 + 4j + e */
                    uint32_t qh;
                    memcpy(&qh, blk + head - 4, 4);
                    for (int e = 0; e < 4; e++) {
                        int v = 0;
                        for (int j = 0; j < 4; j++) v |= (int) ((qh >> (4 * j + e)) & 1) << j | (int) ((qh >> (16 + 4 * j + e)) & 1) << (4 + j);
                        ud[scales + 256 + 4 * r + e] = (uint8_t) v;
                    }
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

/* How packed F16 prefill runs at this level: 1 two groups of rows a pass, 0 one (the same bits either way). mode -1
 * asks (the first ask measures both ways on this core), 0 or 1 sets it (tests, to run both). */
int sl_f16_pairs(int32_t level, int32_t mode) {
    return level == 4 ? sl_f16_pairs_amx(mode) : level == 2 ? sl_f16_pairs_vnni(mode) : level == 3 ? sl_f16_pairs_avxvnni(mode) : sl_f16_pairs_avx2(mode);
}

/* Whether nine positions of a packed F16 product run as five and four (1) or in one pass (0) at this level: the same
 * bits either way. mode -1 asks (the first ask measures both on this core), 0 or 1 sets it (tests, to run both). */
int sl_f16_split9(int32_t level, int32_t mode) {
    return level == 4 ? sl_f16_split9_amx(mode) : level == 2 ? sl_f16_split9_vnni(mode) : level == 3 ? sl_f16_split9_avxvnni(mode) : sl_f16_split9_avx2(mode);
}

/* out[p · out_stride + r] = packed row r · position p for from ≤ r < to (r below the packed rows) and p < t. */
int sl_matmul_packed(int32_t level, int32_t type, const uint8_t *pw, int64_t row_bytes, int32_t from, int32_t to, const uint8_t *act,
                     int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
    int64_t group_bytes = sl_packed_bytes(type, row_bytes, 16);
    if (level < 1 || group_bytes < 0) return -1;
    if (level == 4 && !amx_usable()) level = 2; /* never a tile instruction before Linux allowed them */
    PICK(sl_matmul_packed)(type, pw, group_bytes, from, to, act, cap, n, t, out, out_stride);
    return 0;
}

/* Memory for packed weights: bytes (a multiple of 2 MiB) mapped fresh, 2 MiB aligned, and offered to the kernel for
 * transparent huge pages before anything touches them, so the packing fills it in 2 MiB pages where the system allows
 * (THP "madvise" or "always"). A pass over several positions reads its weights more slowly than memory could give
 * them when every 4 KiB page is a TLB entry of its own: one thread, a 2,816 x 1,024 Q4_K matrix times nine positions,
 * 40 copies (65 MB): 4.3 ns a group-pos in 4 KiB pages, 3.6 in 2 MiB ones, 3.5 from L3, measured. *advised is set
 * to 1 where the kernel took the advice. NULL where the mapping fails (the caller allocates elsewhere). */
void *sl_huge_alloc(int64_t bytes, int32_t *advised) {
    const int64_t huge = 2 << 20;
    *advised = 0;
    if (bytes <= 0 || bytes % huge) return NULL;
    uint8_t *m = mmap(NULL, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *) (((uintptr_t) m + huge - 1) & ~(uintptr_t) (huge - 1));
    if (p > m) munmap(m, p - m); /* the unaligned head and tail back to the system */
    if (p + bytes < m + bytes + huge) munmap(p + bytes, m + bytes + huge - (p + bytes));
#ifdef MADV_HUGEPAGE
    *advised = madvise(p, bytes, MADV_HUGEPAGE) == 0;
#endif
    return p;
}

/* Unmaps what sl_huge_alloc(bytes) gave. */
void sl_huge_free(void *p, int64_t bytes) {
    if (p) munmap(p, bytes);
}
