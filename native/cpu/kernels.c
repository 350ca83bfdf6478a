/*
 * SpecLab's CPU integer kernels: quantized weight rows times 8-bit quantized activations.
 *
 * Compiled four times by native/cpu/build.sh, once per instruction set (-DSL_VNNI with AVX-512 VNNI;
 * -DSL_VNNI -DSL_AMX: the same with prefill and verify passes of Q8_0, Q4_0 and Q4_1 (and verify passes of Q4_K) on AMX's
 * int8 tiles; -DSL_AVXVNNI: AVX2
 * with the 256-bit vpdpbusd of AVX-VNNI; plain AVX2); dispatch.c picks one when the library loads. All
 * variants compute the same integers (vpdpbusd, AMX's TDPBSSD and TDPBSUD and AVX2's maddubs+madd agree: no pair sum here
 * can saturate) and the same float operations in the same order, so they give the same bits.
 *
 * Activations ("act"): each position's vector x[0..n) is cut into blocks of 32 with one float scale
 * d = max|x| / 127 and int8 values q = rint(x · 127 / max|x|), plus the integer sums of each half
 * block (16 values), which turn unsigned weight codes into signed ones exactly:
 * Σ (w − o)·q = Σ w·q − o·Σ q.
 *
 * A weight row times a position: per 32 weights an exact integer dot product (8 int32 lanes),
 * converted to float and accumulated with the block's scale product; the 8 lanes are added in one
 * fixed order at the end. Nothing depends on how many positions or rows a call covers, so a
 * position's result is bit-identical alone or in a batch (batch invariance).
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h" /* q3k_scales, iq4xs_ls, packed_sb_bytes */

#if defined(SL_AMX)
#define SL(name) name##_amx
#elif defined(SL_VNNI)
#define SL(name) name##_vnni
#elif defined(SL_AVXVNNI)
#define SL(name) name##_avxvnni
#else
#define SL(name) name##_avx2
#endif

/* Σ over groups of four of u8(u) · s8(s) into the int32 lanes of acc, in 256-bit registers: one vpdpbusd
 * with AVX-VNNI (VEX-encoded, on AVX2 desktops since Alder Lake), else maddubs + madd (exact: no pair sum
 * in these kernels exceeds int16), so every variant computes the same integers. */
#ifdef SL_AVXVNNI
#define DOT256(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
#else
#define DOT256(acc, u, s) _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
#endif

/* Plain AVX2 has no byte multiply-accumulate: maddubs gives int16 pair sums, and the packed K-quant kernels
 * add several of them in int16 before one madd widens them (a pair of 4-bit codes times activations is at
 * most 2·15·128 = 3,840, so Q4_K's eight steps add up to 30,720; a pair of Q6_K's 6-bit codes 16,128, so
 * two): the same integers as DOT256 step by step, with fewer instructions (on a 1.48 B model at AVX2, Q6_K's
 * prefill 45% faster and its 9-position verify 3.4 → 2.9 decodes, measured); Q4_0's and Q4_1's eight steps of
 * 4-bit codes add up to 8 · 2 · 15 · 128 = 30,720 too. */
#if !defined(SL_VNNI) && !defined(SL_AVXVNNI)
#define SUM16 1
#else
#define SUM16 0
#endif

/* An empty asm that says it changes a running sum, so the compiler keeps the additions in the written order:
 * integer adds are associative, and GCC regrouped a block's chain of adds into a tree after all its products,
 * which held every product in a register at once and spilled them to the stack (AVX2, one thread, a 1,024²
 * matrix in L2, nine positions: Q4_0 108 µs regrouped, 86 kept in order; Q8_0 153 → 137; an earlier session
 * measured the int16 sums of Q4_0 slower than pairs for this reason). No instruction is emitted. */
/* AVX-VNNI's kernels (pk_half, pkk_part shared with AVX2) prefetch as a stream from the first half of each group,
 * three positions per K-quant pass, as before: the prefetching spread over the passes and five positions made its
 * Q4_0 passes of five and nine positions 20% slower and Q4_K's nine 9% (one thread, 1,024 × 4,096, measured). */
#ifdef SL_AVXVNNI
#define VNNI256 1
#else
#define VNNI256 0
#endif

#define KEEP(v) __asm__("" : "+x"(v))

#define INLINE static inline __attribute__((always_inline))

/* Calls with this many positions or more take the kernels that hold eight positions in vector lanes
 * (whole groups of eight only: with fewer positions in a group the row kernels are faster, measured). */
#define TMIN 8

/* Bytes per block of 32 values in the per-position part of the activation buffer after the values (d, s32,
 * ms, h0, h1, c8, c128, c32h0, c32h1, hp: four bytes each); the transposed part follows. */
#define ACT_BLOCK 40

/* The per-position arrays after the values, in the order the layout below lists them: array k of a buffer of cap
 * values starts at ACT_SIDE(buf, cap, k), four bytes a block. */
enum { A_D, A_S32, A_MS, A_H0, A_H1, A_C8, A_C128, A_C32H0, A_C32H1, A_HP };
#define ACT_SIDE(buf, cap, k) ((buf) + 2 * (cap) + 4 * (k) * ((cap) / 32))
_Static_assert(ACT_BLOCK == 4 * (A_HP + 1), "ACT_BLOCK: four bytes a block in each per-position array");

/*
 * The activations of T positions of n values each (N = T·n, NB = N / 32 blocks), in one buffer:
 *   qs  int8[N]      the values                      xu  uint8[N]  qs + 128 (VNNI's unsigned operand)
 *   d   float[NB]    block scales                    s32 int32[NB] Σ qs per block
 *   ms  float[NB]    d · s32 (for weights with mins) h0, h1 int32[NB] Σ qs of each half block (16 values)
 *   c8, c128 int32[NB]  −8 · s32 and −128 · s32 (the packed kernels start each block's sum at these)
 *   c32h0, c32h1 int32[NB]  −32 · h0 and −32 · h1 (packed Q6_K's starts, per half block: broadcast from memory
 *                       rather than made in a general register and moved to a vector on a port the products need)
 *   hp  int32[NB]    h0 and h1 as two int16 (low, high): AVX2's packed Q6_K, and packed Q3_K and Q2_K, take their
 *                    starts or mins as pairs (|h| ≤ 2,032)
 * and, where a call has eight positions or more, the same values transposed for the kernels that
 * hold eight positions in the lanes of a vector (tkernels below): per group of eight positions
 * (the last padded), block and 4-byte step k, 32 bytes = four values of each position:
 *   xt  int8[T8·n]   xut uint8[T8·n] (+128)   dt float[T8·n/32]   s32t int32[T8·n/32]   (T8: T rounded up to 8)
 */
typedef struct {
    const int8_t *qs;
    const uint8_t *xu;
    const float *d;
    const int32_t *s32;
    const float *ms;
    const int32_t *h0, *h1, *c8, *c128, *c32h0, *c32h1;
    int64_t n, nb; /* values and blocks per position */
    int sweep, sweeps; /* which of the passes over a group of packed rows this is, of how many (pf_ahead) */
} act_t;

INLINE act_t act_at(const uint8_t *buf, int64_t cap, int64_t n, int64_t p0) {
    act_t a;
    a.qs = (const int8_t *) buf + p0 * n;
    a.xu = buf + cap + p0 * n;
    a.d = (const float *) ACT_SIDE(buf, cap, A_D) + p0 * (n / 32);
    a.s32 = (const int32_t *) ACT_SIDE(buf, cap, A_S32) + p0 * (n / 32);
    a.ms = (const float *) ACT_SIDE(buf, cap, A_MS) + p0 * (n / 32);
    a.h0 = (const int32_t *) ACT_SIDE(buf, cap, A_H0) + p0 * (n / 32);
    a.h1 = (const int32_t *) ACT_SIDE(buf, cap, A_H1) + p0 * (n / 32);
    a.c8 = (const int32_t *) ACT_SIDE(buf, cap, A_C8) + p0 * (n / 32);
    a.c128 = (const int32_t *) ACT_SIDE(buf, cap, A_C128) + p0 * (n / 32);
    a.c32h0 = (const int32_t *) ACT_SIDE(buf, cap, A_C32H0) + p0 * (n / 32);
    a.c32h1 = (const int32_t *) ACT_SIDE(buf, cap, A_C32H1) + p0 * (n / 32);
    a.n = n;
    a.nb = n / 32;
    a.sweep = 0;
    a.sweeps = 1;
    return a;
}

/* hp, the array after c32h1: as far past it as c32h1 is past c32h0 (act_at's layout), so act_t takes no field for it
 * (one more made AVX2's Q4_K kernel ~4% slower for one position in L2, measured) */
INLINE const int32_t *act_hp(const act_t *a) { return a->c32h1 + (a->c32h1 - a->c32h0); }

INLINE float f16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Eight float16 values, each {@code stride} bytes after the last (inserted in registers: eight
 * 2-byte stores read back as one 16-byte load would stall store-to-load forwarding). */
INLINE uint16_t u16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return h;
}

INLINE __m256 f16x8(const uint8_t *p, int stride) {
    __m128i h = _mm_cvtsi32_si128(u16(p));
    h = _mm_insert_epi16(h, u16(p + stride), 1);
    h = _mm_insert_epi16(h, u16(p + 2 * stride), 2);
    h = _mm_insert_epi16(h, u16(p + 3 * stride), 3);
    h = _mm_insert_epi16(h, u16(p + 4 * stride), 4);
    h = _mm_insert_epi16(h, u16(p + 5 * stride), 5);
    h = _mm_insert_epi16(h, u16(p + 6 * stride), 6);
    h = _mm_insert_epi16(h, u16(p + 7 * stride), 7);
    return _mm256_cvtph_ps(h);
}

/* Σ over groups of four of u8(u) · s8(s), added to acc: exact (no pair sum here exceeds int16). */
INLINE __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#ifdef SL_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return DOT256(acc, u, s);
#endif
}

/* Signed weights times signed activations: AVX2 moves the weights' signs to x (exact); VNNI takes the
 * biased activations xu = x + 128, so its lanes hold Σ x·w + 128·Σ w, which the caller takes back per block. */
INLINE __m256i dot_s8s8(__m256i w, __m256i x, __m256i xu) {
#ifdef SL_VNNI
    (void) x;
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), xu, w);
#else
    (void) xu;
    return dot_u8s8(_mm256_setzero_si256(), _mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
#endif
}

/* Lane i of the result: the sum of the eight lanes of v[i] (exact integers, one fixed order). */
INLINE __m256i sum8(const __m256i *v) {
    __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    __m256i c = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, c, 0x20), _mm256_permute2x128_si256(a, c, 0x31));
}

INLINE int32_t isum(__m256i v) {
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    t = _mm_hadd_epi32(t, t);
    t = _mm_hadd_epi32(t, t);
    return _mm_cvtsi128_si32(t);
}

INLINE float hsum(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

/* 32 weights of 16 packed bytes: low nibbles are weights 0..15, high nibbles 16..31. */
INLINE __m256i nibbles32(const uint8_t *p) {
    __m128i raw = _mm_loadu_si128((const __m128i *) p);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F));
}

INLINE __m256i load(const void *p) { return _mm256_loadu_si256((const __m256i *) p); }

/* ---------------------------------------------------------------- activations */

static void transpose_act(uint8_t *buf, int64_t cap, int64_t n, int64_t g0, int64_t g1);

/* The largest magnitude of eight lanes. */
INLINE float hmax8(__m256 m) {
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    return _mm_cvtss_f32(m4);
}

/* The largest magnitude of the 32 · span values from block b of x. */
INLINE float blocks_amax(const float *x, int64_t b, int span) {
    const __m256 signless = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const float *xb = x + 32 * b;
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 4 * span; i++) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(xb + 8 * i), signless));
    return hmax8(m);
}

/* Block b of the buffer (block b of x: position b / (n / 32), its block b % (n / 32)) from its 32 values v: values,
 * scale and sums, the scale amax / 127 (amax: the largest magnitude of the block, or of the span of blocks it belongs
 * to). The sums come from the biased bytes (sad: eight at a time), the values being within ±127. */
INLINE void quantize_values(const __m256 *v, int64_t cap, uint8_t *buf, int64_t b, float amax) {
    int8_t *qs = (int8_t *) buf;
    uint8_t *xu = buf + cap;
    float *d = (float *) ACT_SIDE(buf, cap, A_D), *ms = (float *) ACT_SIDE(buf, cap, A_MS);
    int32_t *s32 = (int32_t *) ACT_SIDE(buf, cap, A_S32), *h0 = (int32_t *) ACT_SIDE(buf, cap, A_H0), *h1 = (int32_t *) ACT_SIDE(buf, cap, A_H1);
    int32_t *c8 = (int32_t *) ACT_SIDE(buf, cap, A_C8), *c128 = (int32_t *) ACT_SIDE(buf, cap, A_C128);
    int32_t *c32h0 = (int32_t *) ACT_SIDE(buf, cap, A_C32H0), *c32h1 = (int32_t *) ACT_SIDE(buf, cap, A_C32H1);
    int32_t *hp = (int32_t *) ACT_SIDE(buf, cap, A_HP);
    float id = amax > 0 ? 127.0f / amax : 0.0f, db = amax / 127.0f;
    __m256i q[4];
    for (int i = 0; i < 4; i++) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], _mm256_set1_ps(id))); /* round to nearest even */
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    /* the packs interleave 128-bit lanes: put the 32 bytes back in order */
    bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    __m256i ub = _mm256_xor_si256(bytes, _mm256_set1_epi8((char) 0x80));
    _mm256_storeu_si256((__m256i *) (qs + 32 * b), bytes);
    _mm256_storeu_si256((__m256i *) (xu + 32 * b), ub);
    __m256i sad = _mm256_sad_epu8(ub, _mm256_setzero_si256()); /* Σ (q + 128) of bytes 0-7, 8-15, 16-23, 24-31 */
    __m128i lo = _mm256_castsi256_si128(sad), hi = _mm256_extracti128_si256(sad, 1);
    __m128i hs = _mm_add_epi64(_mm_unpacklo_epi64(lo, hi), _mm_unpackhi_epi64(lo, hi));
    int32_t half0 = _mm_cvtsi128_si32(hs) - 16 * 128, half1 = _mm_extract_epi32(hs, 2) - 16 * 128;
    d[b] = db;
    s32[b] = half0 + half1;
    ms[b] = db * (float) (half0 + half1);
    h0[b] = half0;
    h1[b] = half1;
    c8[b] = -8 * (half0 + half1);
    c128[b] = -128 * (half0 + half1);
    c32h0[b] = -32 * half0;
    c32h1[b] = -32 * half1;
    hp[b] = (int32_t) ((uint32_t) (uint16_t) half0 | (uint32_t) (uint16_t) half1 << 16);
}

INLINE void quantize_block(const float *x, int64_t cap, uint8_t *buf, int64_t b, float amax) {
    __m256 v[4];
    for (int i = 0; i < 4; i++) v[i] = _mm256_loadu_ps(x + 32 * b + 8 * i);
    quantize_values(v, cap, buf, b, amax);
}

/* Lane i: the largest lane of m[i] (exact: max in any order). */
INLINE __m256 hmax8x8(const __m256 *m) {
    __m256 a[4], b[2];
    for (int i = 0; i < 4; i++) a[i] = _mm256_max_ps(_mm256_shuffle_ps(m[2 * i], m[2 * i + 1], 0x88), _mm256_shuffle_ps(m[2 * i], m[2 * i + 1], 0xDD));
    for (int i = 0; i < 2; i++) b[i] = _mm256_max_ps(_mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0x88), _mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0xDD));
    return _mm256_max_ps(_mm256_permute2f128_ps(b[0], b[1], 0x20), _mm256_permute2f128_ps(b[0], b[1], 0x31));
}

/* Eight blocks b .. b + 7 of x, block j scaled by lane j of amax: the values block by block as quantize_values, the
 * scales and sums eight at a time (one division each, one store per array, where block by block took ten scalar
 * stores and two divisions a block). */
INLINE void quantize8(const float *x, int64_t cap, uint8_t *buf, int64_t b, __m256 amax) {
    int8_t *qs = (int8_t *) buf;
    uint8_t *xu = buf + cap;
    __m256 ids = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(127.0f), amax), _mm256_cmp_ps(amax, _mm256_setzero_ps(), _CMP_GT_OQ));
    __m256 db = _mm256_div_ps(amax, _mm256_set1_ps(127.0f));
    float id[8];
    _mm256_storeu_ps(id, ids);
    __m256i y[4];
    for (int j = 0; j < 8; j++) {
        const float *xb = x + 32 * (b + j);
        __m256 s = _mm256_broadcast_ss(id + j);
        __m256i q[4];
        for (int i = 0; i < 4; i++) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + 8 * i), s)); /* round to nearest even */
        __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        __m256i ub = _mm256_xor_si256(bytes, _mm256_set1_epi8((char) 0x80));
        _mm256_storeu_si256((__m256i *) (qs + 32 * (b + j)), bytes);
        _mm256_storeu_si256((__m256i *) (xu + 32 * (b + j)), ub);
        __m256i sad = _mm256_sad_epu8(ub, _mm256_setzero_si256()); /* Σ (q + 128) of bytes 0-7, 8-15 | 16-23, 24-31 (int64) */
        if (j % 2 == 0) y[j / 2] = sad;
        else y[j / 2] = _mm256_or_si256(y[j / 2], _mm256_slli_epi64(sad, 32)); /* int32: block j-1's, block j's, ... */
    }
    /* per 128-bit lane, the first two groups' sums added (half 0: low lane; half 1: high lane), blocks j-1 and j */
    for (int k = 0; k < 4; k++) y[k] = _mm256_add_epi32(y[k], _mm256_shuffle_epi32(y[k], 0x4E));
    __m256i w0 = _mm256_unpacklo_epi64(y[0], y[1]), w1 = _mm256_unpacklo_epi64(y[2], y[3]);
    __m256i bias = _mm256_set1_epi32(16 * 128);
    __m256i h0 = _mm256_sub_epi32(_mm256_permute2x128_si256(w0, w1, 0x20), bias);
    __m256i h1 = _mm256_sub_epi32(_mm256_permute2x128_si256(w0, w1, 0x31), bias);
    __m256i s32 = _mm256_add_epi32(h0, h1), zero = _mm256_setzero_si256();
#define SIDE(k) ((__m256i *) (ACT_SIDE(buf, cap, k) + 4 * b))
    _mm256_storeu_ps((float *) SIDE(A_D), db);
    _mm256_storeu_si256(SIDE(A_S32), s32);
    _mm256_storeu_ps((float *) SIDE(A_MS), _mm256_mul_ps(db, _mm256_cvtepi32_ps(s32)));
    _mm256_storeu_si256(SIDE(A_H0), h0);
    _mm256_storeu_si256(SIDE(A_H1), h1);
    _mm256_storeu_si256(SIDE(A_C8), _mm256_sub_epi32(zero, _mm256_slli_epi32(s32, 3)));
    _mm256_storeu_si256(SIDE(A_C128), _mm256_sub_epi32(zero, _mm256_slli_epi32(s32, 7)));
    _mm256_storeu_si256(SIDE(A_C32H0), _mm256_sub_epi32(zero, _mm256_slli_epi32(h0, 5)));
    _mm256_storeu_si256(SIDE(A_C32H1), _mm256_sub_epi32(zero, _mm256_slli_epi32(h1, 5)));
    _mm256_storeu_si256(SIDE(A_HP), _mm256_or_si256(_mm256_and_si256(h0, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(h1, 16)));
#undef SIDE
}

/* Blocks b0 .. b1 of x, each with its own scale (span 1), or spans of eight blocks sharing one. */
INLINE void quantize_range(const float *x, int64_t cap, uint8_t *buf, int64_t b0, int64_t b1, int span) {
    const __m256 signless = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    int64_t b = b0;
    if (span == 1) {
        for (; b + 8 <= b1; b += 8) {
            __m256 m[8];
            for (int j = 0; j < 8; j++) {
                const float *xb = x + 32 * (b + j);
                m[j] = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb), signless), _mm256_and_ps(_mm256_loadu_ps(xb + 8), signless)),
                                     _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb + 16), signless), _mm256_and_ps(_mm256_loadu_ps(xb + 24), signless)));
            }
            quantize8(x, cap, buf, b, hmax8x8(m));
        }
        for (; b < b1; b++) quantize_block(x, cap, buf, b, blocks_amax(x, b, 1));
        return;
    }
    for (; b < b1; b += span) {
        float amax = blocks_amax(x, b, span);
        if (span == 8) quantize8(x, cap, buf, b, _mm256_set1_ps(amax));
        else for (int j = 0; j < span; j++) quantize_block(x, cap, buf, b + j, amax);
    }
}

/* Positions p0 .. p1 of the buffer (the whole layout below: cap values, n per position): their blocks and,
 * where the buffer has the transposed copy and the caller asks for it (transpose: only the row kernels of
 * Q8_0, Q4_0 and Q5_0 read it, never the packed ones; filling it took longer than quantizing), their groups
 * of eight, so p0 and p1 are multiples of eight or p1 the last position. Parts of one buffer can be
 * quantized by several threads at once. span: the blocks that share one scale, 1 or 8 (a super-block of 256 values,
 * which the packed Q6_K, Q3_K and Q2_K kernels need: they apply one activation scale per super-block, as llama.cpp's Q8_K; the
 * other kernels read each block's scale and take either). */
void SL(sl_quantize_part)(const float *x, int64_t cap, int64_t n, uint8_t *buf, int64_t p0, int64_t p1, int32_t transpose, int32_t span) {
    quantize_range(x, cap, buf, p0 * (n / 32), p1 * (n / 32), span);
    if (transpose && cap / n >= TMIN) transpose_act(buf, cap, n, p0 / 8, (p1 + 7) / 8);
}

/* Blocks c0 .. c1 of each of positions p0 .. p1 (the same values as sl_quantize_part gives them), no transposed copy:
 * the thread that computed a range of a product's values quantizes them for the next product (c0 and c1 multiples of
 * span). */
void SL(sl_quantize_blocks)(const float *x, int64_t cap, int64_t n, uint8_t *buf, int64_t p0, int64_t p1, int64_t c0, int64_t c1, int32_t span) {
    for (int64_t p = p0; p < p1; p++) quantize_range(x, cap, buf, p * (n / 32) + c0, p * (n / 32) + c1, span);
}

/* Bytes the activation buffer needs for cap values, n per position (see the layout above). */
INLINE int64_t act_bytes(int64_t cap, int64_t n) {
    int64_t t = cap / n, t8 = (t + 7) / 8 * 8;
    return 2 * cap + ACT_BLOCK * (cap / 32) + (t >= TMIN ? 2 * t8 * n + 8 * t8 * (n / 32) : 0);
}

/* The transposed regions of a buffer: group g (positions 8g .. 8g+7), block b. */
typedef struct {
    const int8_t *xt;
    const uint8_t *xut;
    const float *dt;
    const int32_t *s32t;
} tact_t;

INLINE tact_t tact_at(const uint8_t *buf, int64_t cap, int64_t n, int64_t g) {
    int64_t t = cap / n, t8 = (t + 7) / 8 * 8, nb = n / 32;
    const uint8_t *base = buf + 2 * cap + ACT_BLOCK * (cap / 32);
    tact_t a;
    a.xt = (const int8_t *) base + g * 8 * n;
    a.xut = base + t8 * n + g * 8 * n;
    a.dt = (const float *) (base + 2 * t8 * n) + g * 8 * nb;
    a.s32t = (const int32_t *) (base + 2 * t8 * n + 4 * t8 * nb) + g * 8 * nb;
    return a;
}

/* Fills the transposed regions of groups g0 .. g1 from the per-position ones (positions past t: zeros, scale 0). */
static void transpose_act(uint8_t *buf, int64_t cap, int64_t n, int64_t g0, int64_t g1) {
    int64_t t = cap / n, t8 = (t + 7) / 8 * 8, nb = n / 32, bnb = cap / 32;
    const uint8_t *qs = buf, *xu = buf + cap;
    const float *d = (const float *) ACT_SIDE(buf, cap, A_D);
    const int32_t *s32 = (const int32_t *) ACT_SIDE(buf, cap, A_S32);
    uint8_t *base = buf + 2 * cap + ACT_BLOCK * bnb;
    uint32_t *xt = (uint32_t *) base, *xut = (uint32_t *) (base + t8 * n);
    float *dt = (float *) (base + 2 * t8 * n);
    int32_t *s32t = (int32_t *) (base + 2 * t8 * n + 4 * t8 * nb);
    for (int64_t g = g0; g < g1; g++) {
        for (int64_t b = 0; b < nb; b++) {
            for (int p = 0; p < 8; p++) {
                int64_t pos = 8 * g + p;
                for (int k = 0; k < 8; k++) {
                    uint32_t v = 0, vu = 0x80808080u;
                    if (pos < t) {
                        memcpy(&v, qs + pos * n + 32 * b + 4 * k, 4);
                        memcpy(&vu, xu + pos * n + 32 * b + 4 * k, 4);
                    }
                    xt[((g * nb + b) * 8 + k) * 8 + p] = v;
                    xut[((g * nb + b) * 8 + k) * 8 + p] = vu;
                }
                dt[(g * nb + b) * 8 + p] = pos < t ? d[pos * nb + b] : 0.0f;
                s32t[(g * nb + b) * 8 + p] = pos < t ? s32[pos * nb + b] : 0;
            }
        }
    }
}

/* ---------------------------------------------------------------- one weight row × np positions
 * Each kernel serves np ≤ MAXP positions from each decoded group of eight weight blocks (256 weights);
 * the compiler makes one copy per np (always called with a constant), with the same operations for
 * every position. Per group and position: eight exact integer block sums (sum8), one conversion to
 * float and one multiply-add with the eight blocks' scale products. Rows whose length is not a
 * multiple of 256 finish block by block (the tail), also in one fixed order.
 */

/* Positions served per decoded weight group: five, so a k = 4 verify decodes each weight once and a
 * k = 8 verify (nine positions) twice. */
#define MAXP 5

/* The positions of a call in groups of at most MAXP, as even as possible (9 → 5 + 4, 6 → 3 + 3). */
INLINE int group_size_of(int32_t left, int most) {
    int32_t groups = (left + most - 1) / most;
    return (int) ((left + groups - 1) / groups);
}

INLINE int group_size(int32_t left) { return group_size_of(left, MAXP); }

#define ZERO4 {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()}
#define X(p, b) ((const void *) (a->qs + (p) * a->n + 32 * (b)))
#define XU(p, b) ((const void *) (a->xu + (p) * a->n + 32 * (b)))

/* ggml's kvalues_iq4nl: the sixteen levels of IQ4_NL's and IQ4_XS's 4-bit codes */
static const int8_t IQ4_LEVELS[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* Blocks of 32 signed byte weights (kind 0: Q8_0 {f16 d; int8 q[32]}), or of 4-bit codes that pick them from
 * IQ4_LEVELS (1: IQ4_NL {f16 d; u8 qs[16]}, Q4_0's nibble order; 2: IQ4_XS super-blocks of eight such blocks
 * {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}, block g's scale d · (ls_g − 32) with a 6-bit ls_g). */
INLINE __m256i s8_block(const uint8_t *w, int kind, int64_t b) {
    if (kind == 0) return load(w + 34 * b + 2);
    const __m256i levels = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) IQ4_LEVELS));
    return _mm256_shuffle_epi8(levels, nibbles32(kind == 1 ? w + 18 * b + 2 : w + 136 * (b / 8) + 8 + 16 * (b % 8)));
}

/* the scales of blocks b .. b + 7 (b a multiple of eight), and of block b alone */
INLINE __m256 s8_scales8(const uint8_t *w, int kind, int64_t b) {
    if (kind == 0) return f16x8(w + 34 * b, 34);
    if (kind == 1) return f16x8(w + 18 * b, 18);
    const uint8_t *sb = w + 136 * (b / 8);
    __m256i ls = _mm256_setr_epi32(iq4xs_ls(sb, 0), iq4xs_ls(sb, 1), iq4xs_ls(sb, 2), iq4xs_ls(sb, 3), iq4xs_ls(sb, 4), iq4xs_ls(sb, 5),
                                   iq4xs_ls(sb, 6), iq4xs_ls(sb, 7));
    return _mm256_mul_ps(_mm256_set1_ps(f16(sb)), _mm256_cvtepi32_ps(ls));
}

INLINE float s8_scale(const uint8_t *w, int kind, int64_t b) {
    if (kind == 0) return f16(w + 34 * b);
    if (kind == 1) return f16(w + 18 * b);
    return f16(w + 136 * (b / 8)) * (float) iq4xs_ls(w + 136 * (b / 8), (int) (b % 8));
}

INLINE void row_s8(const uint8_t *w, const act_t *a, int np, float *res, int kind) {
    int64_t nb = a->nb, b = 0;
    __m256 acc[MAXP] = ZERO4;
    float tail[MAXP] = {0, 0, 0, 0, 0};
    for (; b + 8 <= nb; b += 8) {
        __m256i q[8], ws[8];
        for (int i = 0; i < 8; i++) {
            q[i] = s8_block(w, kind, b + i);
#ifdef SL_VNNI
            ws[i] = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), q[i]);
#endif
        }
#ifdef SL_VNNI
        __m256i wsum128 = _mm256_slli_epi32(sum8(ws), 7);
#else
        (void) ws;
        __m256i wsum128 = _mm256_setzero_si256();
#endif
        __m256 dw = s8_scales8(w, kind, b);
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            for (int i = 0; i < 8; i++) l[i] = dot_s8s8(q[i], load(X(p, b + i)), load(XU(p, b + i)));
            __m256i sums = _mm256_sub_epi32(sum8(l), wsum128);
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(dw, _mm256_loadu_ps(a->d + p * nb + b)), acc[p]);
        }
    }
    for (; b < nb; b++) {
        __m256i q = s8_block(w, kind, b);
        float dw = s8_scale(w, kind, b);
        for (int p = 0; p < np; p++) {
            __m256i l = dot_u8s8(_mm256_setzero_si256(), _mm256_sign_epi8(q, q), _mm256_sign_epi8(load(X(p, b)), q));
            tail[p] += (float) isum(l) * (dw * a->d[p * nb + b]);
        }
    }
    for (int p = 0; p < np; p++) res[p] = hsum(acc[p]) + tail[p];
}

INLINE void row_q8_0(const uint8_t *w, const act_t *a, int np, float *res) { row_s8(w, a, np, res, 0); }

INLINE void row_iq4_nl(const uint8_t *w, const act_t *a, int np, float *res) { row_s8(w, a, np, res, 1); }

INLINE void row_iq4_xs(const uint8_t *w, const act_t *a, int np, float *res) { row_s8(w, a, np, res, 2); }

/* Q4_0 {f16 d; u8 qs[16]} and Q5_0 {f16 d; u8 qh[4]; u8 qs[16]}: codes q of 4 or 5 bits (Q5_0's fifth bit
 * of weight j is bit j of qh), w = (q − o)·d with o = 8 or 16: Σ (q − o)·x = Σ q·x − o·Σ x */
/* 32 bits as 32 bytes: byte j is 0xFF where bit j is set (each byte picks its bit, compares all-ones). */
INLINE __m256i bits32(const uint8_t *p) {
    uint32_t x;
    memcpy(&x, p, 4);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int) x),
                                        _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL));
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

/* A block's 32 codes as bytes: Q4_0's nibbles, or Q5_0's with the fifth bit added. */
INLINE __m256i codes_0(const uint8_t *blk, int five) {
    if (!five) return nibbles32(blk + 2);
    return _mm256_or_si256(nibbles32(blk + 6), _mm256_and_si256(bits32(blk + 2), _mm256_set1_epi8(0x10)));
}

/* One body for both types: {@code five} and the block size are constants wherever it is inlined. */
INLINE void row_x_0(const uint8_t *w, const act_t *a, int np, float *res, int five) {
    const int bs = five ? 22 : 18, shift = five ? 4 : 3, off = five ? 16 : 8;
    int64_t nb = a->nb, b = 0;
    __m256 acc[MAXP] = ZERO4;
    float tail[MAXP] = {0, 0, 0, 0, 0};
    for (; b + 8 <= nb; b += 8) {
        __m256i q[8];
        for (int i = 0; i < 8; i++) q[i] = codes_0(w + bs * (b + i), five);
        __m256 dw = f16x8(w + bs * b, bs);
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            for (int i = 0; i < 8; i++) l[i] = dot_u8s8(_mm256_setzero_si256(), q[i], load(X(p, b + i)));
            __m256i sums = _mm256_sub_epi32(sum8(l), _mm256_slli_epi32(load(a->s32 + p * nb + b), shift));
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(dw, _mm256_loadu_ps(a->d + p * nb + b)), acc[p]);
        }
    }
    for (; b < nb; b++) {
        __m256i q = codes_0(w + bs * b, five);
        float dw = f16(w + bs * b);
        for (int p = 0; p < np; p++) {
            int32_t sum = isum(dot_u8s8(_mm256_setzero_si256(), q, load(X(p, b)))) - off * a->s32[p * nb + b];
            tail[p] += (float) sum * (dw * a->d[p * nb + b]);
        }
    }
    for (int p = 0; p < np; p++) res[p] = hsum(acc[p]) + tail[p];
}

INLINE void row_q4_0(const uint8_t *w, const act_t *a, int np, float *res) { row_x_0(w, a, np, res, 0); }

INLINE void row_q5_0(const uint8_t *w, const act_t *a, int np, float *res) { row_x_0(w, a, np, res, 1); }

/* Q4_1: {f16 d; f16 m; u8 qs[16]}, w = nibble·d + m: Σ w·x = d·dx·Σ q·x + m·(dx·Σ x); Q5_1 ({f16 d; f16 m;
 * u8 qh[4]; u8 qs[16]}): the same with each code's fifth bit from qh, as Q5_0's. */
INLINE __m256i codes_1(const uint8_t *blk, int five) {
    if (!five) return nibbles32(blk + 4);
    return _mm256_or_si256(nibbles32(blk + 8), _mm256_and_si256(bits32(blk + 4), _mm256_set1_epi8(0x10)));
}

INLINE void row_x_1(const uint8_t *w, const act_t *a, int np, float *res, int five) {
    const int bs = five ? 24 : 20;
    int64_t nb = a->nb, b = 0;
    __m256 acc[MAXP] = ZERO4, mins[MAXP] = ZERO4;
    float tail[MAXP] = {0, 0, 0, 0, 0};
    for (; b + 8 <= nb; b += 8) {
        __m256i q[8];
        for (int i = 0; i < 8; i++) q[i] = codes_1(w + bs * (b + i), five);
        __m256 dw = f16x8(w + bs * b, bs), mw = f16x8(w + bs * b + 2, bs);
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            for (int i = 0; i < 8; i++) l[i] = dot_u8s8(_mm256_setzero_si256(), q[i], load(X(p, b + i)));
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8(l)), _mm256_mul_ps(dw, _mm256_loadu_ps(a->d + p * nb + b)), acc[p]);
            mins[p] = _mm256_fmadd_ps(mw, _mm256_loadu_ps(a->ms + p * nb + b), mins[p]);
        }
    }
    for (; b < nb; b++) {
        __m256i q = codes_1(w + bs * b, five);
        float dw = f16(w + bs * b), mw = f16(w + bs * b + 2);
        for (int p = 0; p < np; p++) {
            tail[p] += (float) isum(dot_u8s8(_mm256_setzero_si256(), q, load(X(p, b)))) * (dw * a->d[p * nb + b]);
            tail[p] += mw * a->ms[p * nb + b];
        }
    }
    for (int p = 0; p < np; p++) res[p] = (hsum(acc[p]) + hsum(mins[p])) + tail[p];
}

INLINE void row_q4_1(const uint8_t *w, const act_t *a, int np, float *res) { row_x_1(w, a, np, res, 0); }

INLINE void row_q5_1(const uint8_t *w, const act_t *a, int np, float *res) { row_x_1(w, a, np, res, 1); }

/* The eight 6-bit scales and mins of a Q4_K super-block (ggml packs them in 12 bytes: bytes 0..3 hold
 * scales 0..3 and the top bits of scales 4..7, bytes 4..7 mins 0..3 and the top bits of mins 4..7,
 * bytes 8..11 the low bits of scales and mins 4..7), times d and dmin, as float vectors: in
 * registers throughout (eight stores read back as one vector would stall store-to-load forwarding). */
INLINE void scales_k4(const uint8_t *blk, __m256 *ds, __m256 *dm) {
    uint32_t u0, u1, u2;
    memcpy(&u0, blk + 4, 4);
    memcpy(&u1, blk + 8, 4);
    memcpy(&u2, blk + 12, 4);
    uint64_t sc = (u0 & 0x3f3f3f3fu) | (uint64_t) ((u2 & 0x0f0f0f0fu) | (((u0 >> 6) & 0x03030303u) << 4)) << 32;
    uint64_t m = (u1 & 0x3f3f3f3fu) | (uint64_t) (((u2 >> 4) & 0x0f0f0f0fu) | (((u1 >> 6) & 0x03030303u) << 4)) << 32;
    *ds = _mm256_mul_ps(_mm256_set1_ps(f16(blk)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long) sc))));
    *dm = _mm256_mul_ps(_mm256_set1_ps(f16(blk + 2)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long) m))));
}

/* Q4_K: super-blocks of 256 {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}; group g of 32:
 * w = d·sc_g·nibble − dmin·m_g; groups 2i and 2i+1 are the low and high nibbles of qs[32i .. 32i+32). */
INLINE void row_q4_k(const uint8_t *w, const act_t *a, int np, float *res) {
    int64_t nb = a->nb, nsb = a->n / 256;
    __m256 acc[MAXP] = ZERO4, mins[MAXP] = ZERO4;
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = w + 144 * sb;
        __m256 ds, dm;
        scales_k4(blk, &ds, &dm);
        __m256i q[8];
        for (int i = 0; i < 4; i++) {
            __m256i raw = load(blk + 16 + 32 * i);
            q[2 * i] = _mm256_and_si256(raw, _mm256_set1_epi8(0x0F));
            q[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), _mm256_set1_epi8(0x0F));
        }
        int64_t b = 8 * sb;
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            for (int i = 0; i < 8; i++) l[i] = dot_u8s8(_mm256_setzero_si256(), q[i], load(X(p, b + i)));
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8(l)), _mm256_mul_ps(ds, _mm256_loadu_ps(a->d + p * nb + b)), acc[p]);
            mins[p] = _mm256_fmadd_ps(dm, _mm256_loadu_ps(a->ms + p * nb + b), mins[p]);
        }
    }
    for (int p = 0; p < np; p++) res[p] = hsum(acc[p]) - hsum(mins[p]);
}

/* Q5_K: super-blocks of 256 {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: Q4_K's groups, scales
 * and mins, each code's fifth bit in qh (group g: bit g of qh[l] for its l-th weight). */
INLINE void row_q5_k(const uint8_t *w, const act_t *a, int np, float *res) {
    int64_t nb = a->nb, nsb = a->n / 256;
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    __m256 acc[MAXP] = ZERO4, mins[MAXP] = ZERO4;
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = w + 176 * sb;
        __m256 ds, dm;
        scales_k4(blk, &ds, &dm);
        __m256i hbits = load(blk + 16), q[8];
        for (int i = 0; i < 4; i++) {
            __m256i raw = load(blk + 48 + 32 * i);
            __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * i), one), 4);
            __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * i + 1), one), 4);
            q[2 * i] = _mm256_or_si256(_mm256_and_si256(raw, m4), h0);
            q[2 * i + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m4), h1);
        }
        int64_t b = 8 * sb;
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            for (int i = 0; i < 8; i++) l[i] = dot_u8s8(_mm256_setzero_si256(), q[i], load(X(p, b + i)));
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8(l)), _mm256_mul_ps(ds, _mm256_loadu_ps(a->d + p * nb + b)), acc[p]);
            mins[p] = _mm256_fmadd_ps(dm, _mm256_loadu_ps(a->ms + p * nb + b), mins[p]);
        }
    }
    for (int p = 0; p < np; p++) res[p] = hsum(acc[p]) - hsum(mins[p]);
}

/* K-quants with a scale per 16 weights, kind 0: Q6_K, super-blocks of 256 {u8 ql[128]; u8 qh[64]; int8 scales[16];
 * f16 d}; w = d·sc·(q − 32) with q = 4 low bits from ql and 2 high bits from qh; each half of 128 is four groups of 32
 * built from ql[0..32), ql[32..64) (low and high nibbles) and qh[0..32) (bit pairs 0, 2, 4, 6).
 * Kind 1: Q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}, w = d·sc·(q − 4), q's low two bits from qs (each half
 * of 128: qs[0..32) bit pairs 0, 2, 4, 6), its third bit block k's bit k of hmask[0..32), 6-bit scales (minus 32).
 * Kind 2: Q2_K {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}, w = d·sc·q − dmin·m, Q3_K's two bits, a 4-bit scale and min
 * per byte. Σ w·x per block = Σ over its two halves of sc·Σ q·x less the offset's (or the min's) share of Σ x. */

INLINE void row_sc16(const uint8_t *w, const act_t *a, int np, float *res, int kind) {
    const int bs = kind == 0 ? 210 : kind == 1 ? 110 : 84;
    int64_t nb = a->nb, nsb = a->n / 256;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03);
    __m256 acc[MAXP] = ZERO4, mins[MAXP] = ZERO4;
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = w + bs * sb;
        int8_t sc[16], mn[16];
        if (kind == 0) memcpy(sc, blk + 192, 16);
        else if (kind == 1) q3k_scales(blk + 96, sc);
        else for (int i = 0; i < 16; i++) {
            sc[i] = (int8_t) (blk[i] & 0xF);
            mn[i] = (int8_t) (blk[i] >> 4);
        }
        __m256 d = _mm256_set1_ps(f16(blk + (kind == 0 ? 208 : kind == 1 ? 108 : 80)));
        __m256i g[8];
        for (int half = 0; half < 2; half++) {
            if (kind == 0) {
                const uint8_t *ql = blk + 64 * half, *qh = blk + 128 + 32 * half;
                __m256i q0 = load(ql), q1 = load(ql + 32), h = load(qh);
                g[4 * half + 0] = _mm256_or_si256(_mm256_and_si256(q0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4));
                g[4 * half + 1] = _mm256_or_si256(_mm256_and_si256(q1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4));
                g[4 * half + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4));
                g[4 * half + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4));
            } else {
                __m256i q = load(blk + (kind == 1 ? 32 : 16) + 32 * half);
                g[4 * half + 0] = _mm256_and_si256(q, m3);
                g[4 * half + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 2), m3);
                g[4 * half + 2] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m3);
                g[4 * half + 3] = _mm256_and_si256(_mm256_srli_epi16(q, 6), m3);
            }
        }
        if (kind == 1) { /* the third bit: block k's is bit k of hmask's bytes */
            const __m256i h = load(blk), four = _mm256_set1_epi8(4);
            for (int k = 0; k < 8; k++) {
                const __m256i bit = _mm256_set1_epi8((char) (1 << k));
                g[k] = _mm256_or_si256(g[k], _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, bit), bit), four));
            }
        }
        /* scale pairs as int16 lanes (eight for each half of a block) for madd, and even/odd scales as int32 */
        __m128i sc16 = _mm_loadu_si128((const __m128i *) sc);
        __m256i scw[8];
        const __m256i s16 = _mm256_cvtepi8_epi16(sc16); /* int32 lane k holds scales 2k and 2k+1 as int16 */
        const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        for (int k = 0; k < 8; k++) {
            /* int16 lanes 0..7 (weights 0..15 of block k) the first scale, 8..15 the second */
            scw[k] = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(s16, _mm256_set1_epi32(k)), spread);
        }
        const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1), odds = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1, -1, -1, -1, -1);
        /* Q6_K, Q3_K: the offset's scales (sc); Q2_K: the mins */
        __m128i off16 = kind == 2 ? _mm_loadu_si128((const __m128i *) mn) : sc16;
        __m256i even = _mm256_cvtepi8_epi32(_mm_shuffle_epi8(off16, evens)), odd = _mm256_cvtepi8_epi32(_mm_shuffle_epi8(off16, odds));
        __m256 dm = kind == 2 ? _mm256_set1_ps(f16(blk + 82)) : d;
        int64_t b = 8 * sb;
        for (int p = 0; p < np; p++) {
            __m256i l[8];
            /* Σ sc·q·x per block (maddubs: u8·s8 pairs; madd: times the half's scale, pairs added) */
            for (int i = 0; i < 8; i++) l[i] = _mm256_madd_epi16(_mm256_maddubs_epi16(g[i], load(X(p, b + i))), scw[i]);
            /* the offset o (32, 4) times sc_even·Σx of first halves + sc_odd·Σx of second halves, per block; Q2_K: the mins' */
            __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(even, load(a->h0 + p * nb + b)), _mm256_mullo_epi32(odd, load(a->h1 + p * nb + b)));
            __m256 dx = _mm256_loadu_ps(a->d + p * nb + b);
            if (kind == 2) {
                acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8(l)), _mm256_mul_ps(d, dx), acc[p]);
                mins[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(off), _mm256_mul_ps(dm, dx), mins[p]);
            } else {
                __m256i sums = _mm256_sub_epi32(sum8(l), _mm256_slli_epi32(off, kind == 0 ? 5 : 2));
                acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(d, dx), acc[p]);
            }
        }
    }
    for (int p = 0; p < np; p++) res[p] = kind == 2 ? hsum(acc[p]) - hsum(mins[p]) : hsum(acc[p]);
}

INLINE void row_q6_k(const uint8_t *w, const act_t *a, int np, float *res) { row_sc16(w, a, np, res, 0); }

INLINE void row_q3_k(const uint8_t *w, const act_t *a, int np, float *res) { row_sc16(w, a, np, res, 1); }

INLINE void row_q2_k(const uint8_t *w, const act_t *a, int np, float *res) { row_sc16(w, a, np, res, 2); }

/* F16 rows times float32 activations (no quantization: the weights are converted, F16C's vcvtph2ps,
 * and multiplied in float32). A tile of R rows × P positions: each step of eight weights converts
 * the R rows' weights once and each position's eight values are loaded once, for R·P multiply-adds,
 * so the loads no longer bound the arithmetic. Every (row, position) pair has one chain of eight
 * lanes, stepping eight values at a time, added up by hsum at the end: the same operations whatever
 * the tile, so a position's result is bit-identical alone or in a batch, on AVX2 or AVX-512. */
#define F16P 5
#ifdef SL_VNNI
#define F16R 4 /* 32 vector registers: 20 accumulators */
#define F16G 5 /* positions a tile serves */
#else
#define F16R 3 /* 16 vector registers: 12 accumulators, three rows of four positions (four rows for one or two) */
#define F16G 4
#endif

/* The positions of a call in groups of at most F16G, as even as possible. */
INLINE int f16_group(int32_t left) {
    int32_t groups = (left + F16G - 1) / F16G;
    return (int) ((left + groups - 1) / groups);
}

/* Bytes ahead along each row that a tile of several positions prefetches (into L2), a line per 32 weights: its
 * arithmetic then overlaps the reading of the rows, which the hardware prefetchers alone did not keep ahead of (AVX2, one
 * thread, an 8,192² matrix from memory, ns a group of 16 rows × 32 weights and position: five positions 13.9-14.1 ->
 * 10.8, nine 10.9-11.0 -> 9.0-9.1; 1,024 and 4,096 bytes ahead no better; in L2 unchanged; measured). Where the rows run past their
 * end, the lines fetched are the next tile's rows. One position (decode) reads as before. */
#define F16_PF 2048

INLINE void tile_f16(const uint8_t *w, int64_t row_bytes, const int32_t *rows, int R, const float *x, int64_t n, int P,
                     float *out, int64_t out_stride, int fetch) {
    __m256 acc[4][F16P];
    const uint8_t *wr[4];
    for (int r = 0; r < R; r++) {
        wr[r] = w + row_bytes * rows[r];
        for (int p = 0; p < P; p++) acc[r][p] = _mm256_setzero_ps();
    }
    for (int64_t j = 0; j < n; j += 8) { /* n is a multiple of 8 */
        __m256 wv[4];
        if (fetch && (j & 31) == 0) for (int r = 0; r < R; r++) _mm_prefetch((const char *) wr[r] + 2 * j + F16_PF, _MM_HINT_T1);
        for (int r = 0; r < R; r++) wv[r] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (wr[r] + 2 * j)));
        for (int p = 0; p < P; p++) {
            __m256 xv = _mm256_loadu_ps(x + p * n + j);
            for (int r = 0; r < R; r++) acc[r][p] = _mm256_fmadd_ps(wv[r], xv, acc[r][p]);
        }
    }
    for (int p = 0; p < P; p++) for (int r = 0; r < R; r++) out[p * out_stride + rows[r]] = hsum(acc[r][p]);
}

/* One (R, P) copy per constant pair, chosen by a switch: the compiler keeps each tile in registers. */
#define F16_TILE(R) \
    switch (np) { \
        case 1: tile_f16(w, row_bytes, rows, R, xp, n, 1, o, out_stride, fetch); break; \
        case 2: tile_f16(w, row_bytes, rows, R, xp, n, 2, o, out_stride, fetch); break; \
        case 3: tile_f16(w, row_bytes, rows, R, xp, n, 3, o, out_stride, fetch); break; \
        case 4: tile_f16(w, row_bytes, rows, R, xp, n, 4, o, out_stride, fetch); break; \
        default: tile_f16(w, row_bytes, rows, R, xp, n, 5, o, out_stride, fetch); break; \
    }

/* The rows of a call are cut into R runs of consecutive rows and a tile takes the i-th row of each
 * run: R long sequential streams through memory, which the hardware prefetchers follow (R adjacent
 * rows at a time read half as fast from memory here, measured). */
void SL(sl_matmul_f16)(const uint8_t *w, int64_t row_bytes, int32_t from, int32_t to, const uint8_t *act, int64_t cap,
                       int64_t n, int32_t t, float *out, int64_t out_stride) {
    (void) cap;
    const float *x = (const float *) act;
    int R = t <= 2 ? 4 : F16R;
    int32_t count = to - from, run = count / R, rows[4];
    for (int32_t i = 0; i < run; i++) {
        for (int r = 0; r < R; r++) rows[r] = from + r * run + i;
        for (int32_t p0 = 0, np; p0 < t; p0 += np) {
            np = f16_group(t - p0);
            const float *xp = x + p0 * n;
            float *o = out + p0 * out_stride;
            const int fetch = t > 1 && p0 == 0; /* the tile's first pass over its rows; the others find them cached */
            if (R == 4) { F16_TILE(4) } else { F16_TILE(3) }
        }
    }
    for (int32_t r = from + R * run; r < to; r++) {
        rows[0] = r;
        for (int32_t p0 = 0, np; p0 < t; p0 += np) {
            np = f16_group(t - p0);
            const float *xp = x + p0 * n;
            float *o = out + p0 * out_stride;
            const int fetch = t > 1 && p0 == 0;
            F16_TILE(1)
        }
    }
}

/* ---------------------------------------------------------------- eight positions in the lanes
 * For eight positions or more, Q4_0, Q5_0 and Q8_0 hold eight positions in the lanes of one vector: each
 * 4-byte step of a weight block is broadcast to all lanes and multiplied with that step of eight
 * positions (the transposed activations), so a block's integer sum needs no reduction across lanes.
 * Per position these kernels compute the very integers and float operations of row_q4_0 / row_q8_0:
 * lane accumulator j takes blocks j, j + 8, … (as lane j of the row kernels' accumulator does), the
 * tail blocks add up the same way, and the eight accumulators are added in hsum's order. So a
 * position's result is bit-identical whichever kernel computes it (tested). */

/* ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)), lane by lane: hsum's order */
INLINE __m256 hsum_lanes(const __m256 *a) {
    return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a[0], a[4]), _mm256_add_ps(a[2], a[6])),
                         _mm256_add_ps(_mm256_add_ps(a[1], a[5]), _mm256_add_ps(a[3], a[7])));
}

/* Block b's integer sums times its scales into lane accumulator b mod 8, or past the last whole group
 * of eight blocks into the tail: as the row kernels add them (fmadd per group lane; mul then add in the tail). */
INLINE void add_block(__m256 *acc, __m256 *tail, int64_t b, int64_t nb, __m256i sum, __m256 scale) {
    if (b < nb / 8 * 8) acc[b & 7] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), scale, acc[b & 7]);
    else *tail = _mm256_add_ps(*tail, _mm256_mul_ps(_mm256_cvtepi32_ps(sum), scale));
}

/* Weights 4k .. 4k+3 of a block in every 4-byte lane (a shuffle measured faster than broadcast loads). */
INLINE __m256i step(__m256i q, int k) { return _mm256_permutevar8x32_epi32(q, _mm256_set1_epi32(k)); }

INLINE void rowt_x_0(const uint8_t *w, const tact_t *a, int64_t n, float *res, int five) {
    const int bs = five ? 22 : 18, shift = five ? 4 : 3;
    int64_t nb = n / 32, b = 0;
    __m256 acc[8], tail = _mm256_setzero_ps();
    for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
    for (; b < nb; b++) {
        const uint8_t *blk = w + bs * b;
        __m256i q = codes_0(blk, five), sum = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) sum = dot_u8s8(sum, step(q, k), load(a->xt + (b * 8 + k) * 32));
        sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(load(a->s32t + b * 8), shift));
        add_block(acc, &tail, b, nb, sum, _mm256_mul_ps(_mm256_set1_ps(f16(blk)), _mm256_loadu_ps(a->dt + b * 8)));
    }
    _mm256_storeu_ps(res, _mm256_add_ps(hsum_lanes(acc), tail));
}

INLINE void rowt_q4_0(const uint8_t *w, const tact_t *a, int64_t n, float *res) { rowt_x_0(w, a, n, res, 0); }

INLINE void rowt_q5_0(const uint8_t *w, const tact_t *a, int64_t n, float *res) { rowt_x_0(w, a, n, res, 1); }

INLINE void rowt_q8_0(const uint8_t *w, const tact_t *a, int64_t n, float *res) {
    int64_t nb = n / 32, b = 0;
    __m256 acc[8], tail = _mm256_setzero_ps();
    for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
    for (; b < nb; b++) {
        const uint8_t *blk = w + 34 * b;
        __m256i q = load(blk + 2), sum = _mm256_setzero_si256();
#ifdef SL_VNNI
        /* Σ (x + 128)·w − 128·Σ w */
        for (int k = 0; k < 8; k++) sum = _mm256_dpbusd_epi32(sum, load(a->xut + (b * 8 + k) * 32), step(q, k));
        sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(128 * isum(_mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), q))));
#else
        for (int k = 0; k < 8; k++) {
            __m256i wk = step(q, k);
            sum = dot_u8s8(sum, _mm256_sign_epi8(wk, wk), _mm256_sign_epi8(load(a->xt + (b * 8 + k) * 32), wk));
        }
#endif
        add_block(acc, &tail, b, nb, sum, _mm256_mul_ps(_mm256_set1_ps(f16(blk)), _mm256_loadu_ps(a->dt + b * 8)));
    }
    _mm256_storeu_ps(res, _mm256_add_ps(hsum_lanes(acc), tail));
}

/* ---------------------------------------------------------------- sixteen rows in the lanes (packed weights)
 * Q8_0, Q4_0 and Q4_1 matrices are repacked once at load time (sl_pack in dispatch.c) so that sixteen rows sit
 * side by side: per group of 16 rows and block of 32 weights, first the 16 rows' scales (f16), then
 * the weights in 4-byte steps, step k of all 16 rows in one 64-byte unit. One vpdpbusd then multiplies
 * four weights of each of sixteen rows with the same four activation values (broadcast), so a block
 * needs no reduction across lanes: 8 instructions per block, row group and position, against one per
 * block and row (with a reduction) in the row kernels. That makes the work per extra position small,
 * which is what a verify pass of several positions needs.
 *
 *   Q8_0  block of a group: d[16] f16, then 8 units of 64 bytes: unit k, row r: its weights 4k..4k+3 + 128 (unsigned)
 *   Q4_0  d[16] f16, then 4 units: unit j, row r: its packed bytes 4j..4j+3 (low nibbles: weights 4j.., high: 16+4j..)
 *   Q4_1  d[16] f16, m[16] f16, then Q4_0's 4 units
 *   Q5_0, Q5_1  as Q4_0 and Q4_1 (the codes' low four bits), then a high unit: row r, byte e: bit j the fifth bit of
 *         weight 4j + e, bit 4 + j that of weight 16 + 4j + e (ggml's qh bits 4j + e and 16 + 4j + e)
 *   IQ4_NL  Q4_0's layout (its codes pick ggml's levels, + 128 as Q8_0's stored weights for VNNI's unsigned operand)
 *   IQ4_XS  per super-block of 256: d[16] f16, (ls − 32)[8][16] i8, then block g's 4 units as IQ4_NL's (IQ4XS_SB bytes)
 * A group is exactly as large as its 16 rows in the original (34, 18, 20, 22 and 24 bytes per block and row; IQ4_XS
 * 138 per 256 weights against 136).
 *
 * Per row and position: the block's exact integer sum (Σ code·x, less the code offset times Σ x),
 * converted to float and multiply-added with the block's scale product, block after block, in one lane:
 * the same operations for the AVX2 variant (two halves of eight rows), any batch and any rows of a call.
 */

#define PK 16

INLINE int pk_unit_bytes(int type) { return type == 8 ? 544 : type == 2 || type == 20 ? 288 : type == 3 ? 320 : type == 6 ? 352 : type == 23 ? 276 : 384; }
INLINE int pk_head(int type) { return type == 3 || type == 7 ? 64 : 32; }
INLINE int pk_five(int type) { return type == 6 || type == 7; } /* Q5_0, Q5_1: codes of five bits, a high unit after the four */
INLINE int pk_min(int type) { return type == 3 || type == 7; } /* Q4_1, Q5_1: w = code·d + m */
INLINE int pk_iq4(int type) { return type == 20 || type == 23; } /* IQ4_NL, IQ4_XS: codes that pick signed levels */
#define IQ4XS_SB packed_sb_bytes(23) /* a packed IQ4_XS super-block of 16 rows: d[16] f16, (ls − 32)[8][16] i8, eight blocks of four units */

/* where block b's units start */
INLINE const uint8_t *pk_units(int type, const uint8_t *gw, int64_t b) {
    return type == 23 ? gw + IQ4XS_SB * (b / 8) + 160 + 256 * (b % 8) : gw + pk_unit_bytes(type) * b + pk_head(type);
}

INLINE int32_t x4(const act_t *a, int p, int64_t b, int k) {
    int32_t v;
    memcpy(&v, a->qs + p * a->n + 32 * b + 4 * k, 4);
    return v;
}

#define NPMAX 9 /* the most positions any packed kernel serves per pass (PKP, PKK, PKF ≤ NPMAX) */
#ifdef SL_VNNI
#define PKP 9 /* positions per pass over a row group: a k = 8 verify in one */
#else
#define PKP 5 /* sixteen vector registers */
#endif
#define PF_DIST 16384 /* bytes ahead the packed kernels prefetch: without it a pass over several positions did not overlap memory and arithmetic (t = 5 took the time of t = 1 plus the arithmetic, measured) */
/* Into L2, not L1: prefetches to L1 hold L1's few fill buffers, and one stream per thread then reads memory
 * more slowly than it could; to L2 a decode step of a 1.48 B model larger than the cache went from 9.45 to
 * 10.6 tokens/s for F16 and from 30.6 to 35.4 for Q4_0 (two threads, alternating runs, measured), models
 * in the cache unchanged or faster; a non-temporal hint halved it. */
#define PF_HINT _MM_HINT_T1

/* Prefetching for a packed kernel's step i of its group (units of unit bytes, units of them; h of H: the half of
 * the group's rows the step covers, AVX2's kernels taking two; spread 0: always the stream). Where a call passes over the group once
 * (one pass of positions, all rows at once), PF_DIST bytes ahead of the step, a stream through the weights.
 * Where it passes S > 1 times (several passes of positions, or AVX2's halves), each pass prefetches its
 * share of the next group, spread over its steps: ahead by PF_DIST, only the first pass fetched, so memory
 * was read in bursts while the others computed from the cache (one thread, AVX2, a 1,074 M-weight Q4_0
 * matrix from memory: nine positions 127 -> 99-101 ms, five 83 -> 68, one 52 -> 43; in L3 unchanged). */
INLINE void pf_ahead(const uint8_t *gw, int64_t unit, int64_t units, const act_t *a, int h, int H, int64_t i, int spread) {
    const int S = H * a->sweeps;
    if (S == 1 || !spread) { /* the stream, from the first half only */
        if (h == 0) for (int64_t j = 0; j < unit; j += 64) _mm_prefetch((const char *) gw + unit * i + PF_DIST + j, PF_HINT);
        return;
    }
    const int64_t share = (unit + S - 1) / S; /* bytes per step and pass */
    const uint8_t *p = gw + unit * units + share * (units * (H * a->sweep + h) + i);
    for (int64_t j = 0; j < share; j += 64) _mm_prefetch((const char *) p + j, PF_HINT);
}

/* Per position and block, the integer sum starts at −o·Σ x (o: the codes' offset, 128 for Q8_0's biased
 * weights, 8 for Q4_0, 16 for Q5_0, none for Q4_1 and Q5_1), so the dot products land on the signed sum directly. */
INLINE int32_t pk_start(int type, const act_t *a, int p, int64_t b) {
    return type == 8 ? a->c128[p * a->nb + b] : type == 2 ? a->c8[p * a->nb + b] : type == 6 ? 2 * a->c8[p * a->nb + b] : 0;
}

/* Block b's activations for every position of a pass, reached from one pointer each and the strides between
 * positions, which the compiler is made to forget at every block: it then forms each position's address from them
 * where it reads it, instead of keeping one pointer a position across the blocks (nine positions' pointers did
 * not fit the general registers and went to the stack, and back, every block: Q4_0's nine-position pass over a
 * matrix in L3 took 15.5 ns a group instead of 13.7-14.0, one thread, measured). */
typedef struct {
    const int8_t *q;
    const float *d;
    const int32_t *c;
    int64_t n, nb;
} blk_t;

INLINE blk_t block_at(int type, const act_t *a, int64_t b, int forget) {
    blk_t k = {a->qs + 32 * b, a->d + b, (type == 8 || pk_iq4(type) ? a->c128 : a->c8) + b, a->n, a->nb};
    if (forget) __asm__("" : "+r"(k.n), "+r"(k.nb));
    return k;
}

INLINE int32_t bx4(const blk_t *k, int p, int j) {
    int32_t v;
    memcpy(&v, k->q + p * k->n + 4 * j, 4);
    return v;
}

/* the start of position p's sum (pk_start) and its scale */
INLINE int32_t bstart(int type, const blk_t *k, int p) { return pk_min(type) ? 0 : type == 6 ? 2 * k->c[p * k->nb] : k->c[p * k->nb]; }
INLINE float bd(const blk_t *k, int p) { return k->d[p * k->nb]; }

#ifdef SL_VNNI
/* res[p][r] for the 16 rows of a group (gw: its packed blocks), np positions. Two sum chains per
 * position for up to five positions (the latency of eight dependent vpdpbusd), one for more (registers). */
INLINE void pk_group(int type, const uint8_t *gw, const act_t *a, int np, float *res /* [np][16] */) {
    const int ub = pk_unit_bytes(type), head = pk_head(type), two = np <= 5;
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[NPMAX];
    for (int p = 0; p < np; p++) acc[p] = _mm512_setzero_ps();
    for (int64_t b = 0; b < a->nb; b++) {
        const uint8_t *blk = gw + ub * b, *units = pk_units(type, gw, b);
        pf_ahead(gw, ub, a->nb, a, 0, 1, b, 1);
        const blk_t k = block_at(type, a, b, np > 5); /* five positions' pointers fit the registers */
        __m512i s0[NPMAX], s1[NPMAX];
        for (int p = 0; p < np; p++) s0[p] = _mm512_set1_epi32(bstart(type, &k, p));
        if (two) for (int p = 0; p < np; p++) s1[p] = _mm512_setzero_si512();
#pragma GCC unroll 4 /* rolled, GCC moved nine accumulators between registers every step: Q4_0's 9-position pass 45 -> 37 µs on a matrix in L2, measured */
        for (int j = 0; j < 4; j++) {
            __m512i lo, hi;
            if (type == 8) {
                lo = _mm512_loadu_si512(blk + head + 64 * j);
                hi = _mm512_loadu_si512(blk + head + 64 * (j + 4));
            } else if (pk_iq4(type)) { /* the levels + 128, unsigned as Q8_0's stored weights: the sum starts at −128·Σ x */
                const __m512i biased = _mm512_broadcast_i32x4(_mm_xor_si128(_mm_loadu_si128((const __m128i *) IQ4_LEVELS), _mm_set1_epi8((char) 0x80)));
                __m512i raw = _mm512_loadu_si512(units + 64 * j);
                lo = _mm512_shuffle_epi8(biased, _mm512_and_si512(raw, m4));
                hi = _mm512_shuffle_epi8(biased, _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4));
            } else {
                __m512i raw = _mm512_loadu_si512(blk + head + 64 * j);
                lo = _mm512_and_si512(raw, m4);
                hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
                if (pk_five(type)) { /* the fifth bits: bit j of each byte of the high unit for lo, bit 4 + j for hi */
                    const __m512i hraw = _mm512_loadu_si512(blk + head + 256), m16 = _mm512_set1_epi8(0x10);
                    lo = _mm512_or_si512(lo, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(hraw, _mm512_set1_epi8((char) (1 << j))), m16));
                    hi = _mm512_or_si512(hi, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(hraw, _mm512_set1_epi8((char) (16 << j))), m16));
                }
            }
            for (int p = 0; p < np; p++) {
                s0[p] = _mm512_dpbusd_epi32(s0[p], lo, _mm512_set1_epi32(bx4(&k, p, j)));
                if (two) s1[p] = _mm512_dpbusd_epi32(s1[p], hi, _mm512_set1_epi32(bx4(&k, p, j + 4)));
                else s0[p] = _mm512_dpbusd_epi32(s0[p], hi, _mm512_set1_epi32(bx4(&k, p, j + 4)));
            }
        }
        __m512 dw = type == 23 ? _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (gw + IQ4XS_SB * (b / 8)))),
                                               _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (gw + IQ4XS_SB * (b / 8) + 32 + 16 * (b % 8))))))
                               : _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) blk));
        __m512 mw = pk_min(type) ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (blk + 32))) : dw;
        for (int p = 0; p < np; p++) {
            __m512i sum = two ? _mm512_add_epi32(s0[p], s1[p]) : s0[p];
            acc[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(bd(&k, p))), acc[p]);
            if (pk_min(type)) acc[p] = _mm512_fmadd_ps(mw, _mm512_set1_ps(a->ms[p * k.nb + b]), acc[p]);
        }
    }
    for (int p = 0; p < np; p++) _mm512_storeu_ps(res + 16 * p, acc[p]);
}
#else
/* The same, eight rows at a time (half h of the group). maddubs takes unsigned codes: Q8_0's weights
 * (stored + 128) are made signed again and their signs moved to x; the sum then needs no offset. */
INLINE void pk_half(int type, const uint8_t *gw, const act_t *a, int np, int h, float *res) {
    const int ub = pk_unit_bytes(type), head = pk_head(type);
    const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1), bias = _mm256_set1_epi8((char) 0x80);
    (void) ones; /* the maddubs path only */
    __m256 acc[NPMAX];
    for (int p = 0; p < np; p++) acc[p] = _mm256_setzero_ps();
    for (int64_t b = 0; b < a->nb; b++) {
        const uint8_t *blk = gw + ub * b, *units = pk_units(type, gw, b);
        /* Q8_0's decode step streams (spread over both halves, 1.48 B model at AVX2, two threads: 16.4 -> 15.5
         * tokens/s, while Q4_0's rose 26.6 -> 28.6, measured) */
        pf_ahead(gw, ub, a->nb, a, h, 2, b, !VNNI256 && !(type == 8 && a->sweeps == 1));
        const blk_t k = block_at(type, a, b, 1); /* AVX2: five positions' pointers already spilled (Q4_0, one thread, in L3: five 3-4% faster) */
        __m256i s[NPMAX];
        for (int p = 0; p < np; p++) s[p] = _mm256_set1_epi32(type == 2 || type == 6 ? bstart(type, &k, p) : 0);
        if (pk_iq4(type)) { /* signed levels: their signs moved to x, as Q8_0's */
            const __m256i levels = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) IQ4_LEVELS));
            for (int j = 0; j < 4; j++) {
                __m256i raw = load(units + 64 * j + 32 * h);
                __m256i wl = _mm256_shuffle_epi8(levels, _mm256_and_si256(raw, m4)), wh = _mm256_shuffle_epi8(levels, _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4));
                __m256i al = _mm256_abs_epi8(wl), ah = _mm256_abs_epi8(wh);
                for (int p = 0; p < np; p++) {
                    s[p] = DOT256(s[p], al, _mm256_sign_epi8(_mm256_set1_epi32(bx4(&k, p, j)), wl));
                    s[p] = DOT256(s[p], ah, _mm256_sign_epi8(_mm256_set1_epi32(bx4(&k, p, j + 4)), wh));
                    KEEP(s[p]);
                }
            }
        } else if (type == 8) {
            for (int step = 0; step < 8; step++) {
                __m256i wk = _mm256_xor_si256(load(blk + head + 64 * step + 32 * h), bias), ak = _mm256_abs_epi8(wk);
                for (int p = 0; p < np; p++) {
                    __m256i xs = _mm256_sign_epi8(_mm256_set1_epi32(bx4(&k, p, step)), wk);
                    s[p] = DOT256(s[p], ak, xs);
                    KEEP(s[p]);
                }
            }
        } else {
#if SUM16
            /* the block's eight int16 pair sums added in int16, then widened once: the same integers as a madd per step
             * (Q5_0's and Q5_1's codes reach 31: widened after four, 4 · 2 · 31 · 128 = 31,744) */
            __m256i s16[NPMAX];
            for (int p = 0; p < np; p++) s16[p] = _mm256_setzero_si256();
#endif
            for (int j = 0; j < 4; j++) {
                __m256i raw = load(blk + head + 64 * j + 32 * h);
                __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                if (pk_five(type)) { /* the fifth bits: bit j of each byte of the high unit for lo, bit 4 + j for hi */
                    const __m256i hraw = load(blk + head + 256 + 32 * h), m16 = _mm256_set1_epi8(0x10);
                    const __m256i bl = _mm256_set1_epi8((char) (1 << j)), bh = _mm256_set1_epi8((char) (16 << j));
                    lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hraw, bl), bl), m16));
                    hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hraw, bh), bh), m16));
                }
                for (int p = 0; p < np; p++) {
#ifdef SL_AVXVNNI
                    s[p] = DOT256(DOT256(s[p], lo, _mm256_set1_epi32(bx4(&k, p, j))), hi, _mm256_set1_epi32(bx4(&k, p, j + 4)));
#else
                    s16[p] = _mm256_add_epi16(s16[p], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(bx4(&k, p, j))));
                    s16[p] = _mm256_add_epi16(s16[p], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(bx4(&k, p, j + 4))));
                    KEEP(s16[p]);
#endif
                }
#if SUM16
                if (pk_five(type) && j == 1)
                    for (int p = 0; p < np; p++) {
                        s[p] = _mm256_add_epi32(s[p], _mm256_madd_epi16(s16[p], ones));
                        s16[p] = _mm256_setzero_si256();
                    }
#endif
            }
#if SUM16
            for (int p = 0; p < np; p++) s[p] = _mm256_add_epi32(s[p], _mm256_madd_epi16(s16[p], ones));
#endif
        }
        __m256 dw = type == 23 ? _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (gw + IQ4XS_SB * (b / 8) + 16 * h))),
                                               _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (gw + IQ4XS_SB * (b / 8) + 32 + 16 * (b % 8) + 8 * h)))))
                               : _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (blk + 16 * h)));
        __m256 mw = pk_min(type) ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (blk + 32 + 16 * h))) : dw;
        for (int p = 0; p < np; p++) {
            acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[p]), _mm256_mul_ps(dw, _mm256_set1_ps(bd(&k, p))), acc[p]);
            if (pk_min(type)) acc[p] = _mm256_fmadd_ps(mw, _mm256_set1_ps(a->ms[p * k.nb + b]), acc[p]);
        }
    }
    for (int p = 0; p < np; p++) _mm256_storeu_ps(res + 16 * p + 8 * h, acc[p]);
}

INLINE void pk_group(int type, const uint8_t *gw, const act_t *a, int np, float *res) {
    pk_half(type, gw, a, np, 0, res);
    pk_half(type, gw, a, np, 1, res);
}
#endif


/* ---------------------------------------------------------------- K-quants, sixteen rows in the lanes
 * Q2_K, Q3_K, Q4_K, Q5_K and Q6_K packed per group of 16 rows and super-block of 256 (sl_pack in dispatch.c):
 *   Q4_K  d[16] f16, dmin[16] f16, sc[8][16] u8, m[8][16] u8 (6-bit scales and mins unpacked), then
 *         32 units of 64 bytes: unit 8i + k, row r: its packed bytes 32i + 4k .. +4 (low nibbles:
 *         group 2i's codes 4k..4k+3; high nibbles: group 2i+1's)                 = 2368 bytes (16 × 144 + 64)
 *   Q5_K  Q4_K's (the codes' low four bits), then 8 high units: unit k, row r, byte e: bit g is the fifth bit of
 *         group g's code 4k + e (ggml's qh[4k + e])                               = 2880 bytes (16 × 176 + 64)
 *   Q6_K  d[16] f16, sc[16][16] i8, then 32 low units as Q4_K's (the codes' low four bits), then 16 high
 *         units: unit 8q + k, row r, byte e: the top two bits of groups 4q .. 4q+3 (code 4k + e), two bits each
 *                                                                                 = 3360 bytes (16 × 210)
 *   Q3_K  d[16] f16, (sc − 32)[16][16] i8, then 16 low units: unit 8q + k, row r: ggml's qs[32q + 4k .. +4] (bits 2t,
 *         2t + 1 of byte e: group 4q + t's code 4k + e, its two low bits), then 8 high units as Q5_K's (bit g: the
 *         third bit)                                                              = 1824 bytes (16 × 110 + 64)
 *   Q2_K  d[16] f16, dmin[16] f16, ggml's scale bytes [16][16] (scale | min << 4), then 16 low units as Q3_K's
 *                                                                                 = 1344 bytes (16 × 84)
 * A group g of 32 codes meets activation block 8·sb + g; Q6_K's scales cover 16 codes (steps 0..3 and 4..7).
 * Q6_K's activations come with one scale per super-block (quantized with span 8, as llama.cpp's Q8_K), so each row's
 * sum over a super-block is an integer, S = Σ sc · Σ (q − 32)·x over its sixteen half groups (|S| < 16 · 128 · 16 ·
 * 32 · 127 < 2^31), and each position takes one float step per super-block, acc += float(S) · (d · dx), where it took
 * three per half group (convert, scale product, multiply-add). One thread, a 2,048 × 1,024 matrix in the cache, ns a
 * group of 16 rows × 32 codes and position (2-vCPU AMD EPYC, Zen 5; alternating runs): AVX-512 one position 6.2-6.3
 * -> 5.9-6.0, five 2.20-2.23 -> 2.06-2.08, nine 2.18-2.25 -> 1.99-2.01; AVX2 five 6.06-6.36 -> 5.48-5.52, nine
 * 6.31-6.37 -> 5.47-5.50, one 10.0 -> 10.1-10.8. The same for Q4_K (its min term as a float sum per super-block) gained
 * 0-7% at 512 bits and lost 3-5% at AVX2 for five and nine positions: Q4_K keeps a float step per group, and reads
 * the per-block scales, which span 8 makes equal where Q4_K shares its input with Q6_K.
 * The kernels are written once for both widths: 16 rows per AVX-512 vector, or two halves of 8 rows
 * in AVX2 vectors; each row's lane sees the same integer sums and float operations in the same order.
 */
#ifdef SL_VNNI
#define KW 16
typedef __m512i ki_t;
typedef __m512 kf_t;
#define K_LOAD(p) _mm512_loadu_si512((const void *) (p))
#define K_AND _mm512_and_si512
#define K_OR _mm512_or_si512
#define K_SRL16 _mm512_srli_epi16
#define K_SLL16 _mm512_slli_epi16
#define K_SET8(c) _mm512_set1_epi8((char) (c))
#define K_SET32 _mm512_set1_epi32
#define K_DOT(acc, u, s) _mm512_dpbusd_epi32(acc, u, s)
#define K_CVT _mm512_cvtepi32_ps
#define K_MUL _mm512_mul_ps
#define K_FMADD _mm512_fmadd_ps
#define K_FNMADD _mm512_fnmadd_ps
#define K_ADD _mm512_add_ps
#define K_SETPS _mm512_set1_ps
#define K_ZEROPS _mm512_setzero_ps
#define K_PH(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (p)))
#define K_U8(p) _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (p))))
#define K_I8(p) _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (p))))
#define K_STORE _mm512_storeu_ps
#define K_LOADPS _mm512_loadu_ps
#define KI_ADD _mm512_add_epi32
#define K_MADD16 _mm512_madd_epi16
#define K_MULLO16 _mm512_mullo_epi16
#define K_SET16 _mm512_set1_epi16
#define KI_MULLO _mm512_mullo_epi32
#define KI_I8(p) _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (p)))
#define K_UNROLL8 _Pragma("GCC unroll 8") /* Q4_K's steps for five positions or more (AVX2's: slower unrolled, measured) */
#define PKK 9 /* a k = 8 verify in one pass over the weights (five took two: a 9-position Q6_K verify cost 2.2 decodes instead of 3.0, one thread, measured); one group at a time (pkk_part), 18 sums in 32 registers */
/* Q6_K's most per pass: nine in one pass measured as its slowest case. On a 2-vCPU AMD EPYC (Zen 5), one thread,
 * Q6_K 16,384 × 4,096 from memory: nine positions
 * 36 ns a group of 16 rows × 32 codes in one pass, 22 in passes of five and four; 2,048 × 1,024 in the cache 25.5 -> 21;
 * eight 24 -> 22 (four and four); six and seven in one pass as fast as in two. Q4_K's nine stay in one pass (16 ns
 * against 18 in two, measured alike). */
#define PKK_Q6 7
#else
#define KW 8
typedef __m256i ki_t;
typedef __m256 kf_t;
#define K_LOAD(p) _mm256_loadu_si256((const __m256i *) (p))
#define K_AND _mm256_and_si256
#define K_OR _mm256_or_si256
#define K_SRL16 _mm256_srli_epi16
#define K_SLL16 _mm256_slli_epi16
#define K_SET8(c) _mm256_set1_epi8((char) (c))
#define K_SET32 _mm256_set1_epi32
#define K_DOT(acc, u, s) DOT256(acc, u, s)
#define K_CVT _mm256_cvtepi32_ps
#define K_MUL _mm256_mul_ps
#define K_FMADD _mm256_fmadd_ps
#define K_FNMADD _mm256_fnmadd_ps
#define K_ADD _mm256_add_ps
#define K_SETPS _mm256_set1_ps
#define K_ZEROPS _mm256_setzero_ps
#define K_PH(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (p)))
#define K_U8(p) _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) (p))))
#define K_I8(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (p))))
#define K_STORE _mm256_storeu_ps
#define K_LOADPS _mm256_loadu_ps
#define KI_ADD _mm256_add_epi32
#define K_MADD16 _mm256_madd_epi16
#define K_MULLO16 _mm256_mullo_epi16
#define K_SET16 _mm256_set1_epi16
#define KI_MULLO _mm256_mullo_epi32
#define KI_I8(p) _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (p)))
#define K_UNROLL8
#if VNNI256
#define PKK 3
#else
#define PKK 5 /* sixteen vector registers, two a position (a group's sums, the float accumulator): one thread, AVX2, five
               * instead of three per pass: Q4_K, a 1,024² matrix, five positions 71 -> 57 µs, nine 114 -> 107; Q6_K (its
               * steps in pairs), 1,024 × 4,096, five 492-516 -> 434, nine 895-935 -> 735-784 (alternating runs), measured
               * (Q6_K's count has been PKK_Q6 since) */
#endif
#if SUM16
#define PKK_Q6 9 /* plain AVX2's Q6_K (pkk_q6_part_avx2) holds one sum a position: a k = 8 verify in one pass (one thread, 1,024²
                  * in L2, ns a group of 16 rows × 32 codes and position: nine positions 4.96 in passes of five and four,
                  * 4.32 in one; seven 5.25 -> 4.54; five unchanged; measured) */
#else
#define PKK_Q6 PKK /* AVX-VNNI: three, as its Q4_K */
#endif
#endif

/* Q3_K's and Q2_K's most per pass (pkk_lo2_part). One thread, a 1,024 × 4,096 Q3_K matrix in L3, ns a group of 16
 * rows × 32 codes and position (AMD EPYC, Zen 5): AVX-512 nine in one pass 3.0, in passes of five and four 2.4, seven
 * in one 2.7, in four and three 2.4; AVX-VNNI five 5.7 in passes of three and two, 5.0 in one; plain AVX2 (one sum a
 * position, as its Q6_K) nine 4.8-4.9 in one pass, 5.1-5.2 in five and four, seven 4.7 against 5.7. */
#if SUM16
#define PKK_LO2 9
#else
#define PKK_LO2 5
#endif

/* The top bit of group g's codes (bit g of each byte of a high unit: Q5_K's fifth, Q3_K's third) as the byte value v. */
INLINE ki_t high_bit(ki_t hraw, int g, char v) {
    const ki_t mg = K_SET8(1 << g);
#ifdef SL_VNNI
    return _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(hraw, mg), K_SET8(v));
#else
    return K_AND(_mm256_cmpeq_epi8(K_AND(hraw, mg), mg), K_SET8(v));
#endif
}

INLINE ki_t q5_high(ki_t hraw, int g) { return high_bit(hraw, g, 0x10); }

/* Step k (4 codes of each row) of Q4_K groups g0 .. g0 + G − 1 (a unit's low nibbles: group 2i, high: 2i + 1)
 * into the sums s[e][p] of np positions; Q5_K (type 13): the same with each code's fifth bit from the step's
 * high unit. */
INLINE void q4k_step(int type, const uint8_t *units, int u, int g0, int G, int k, const act_t *a, int np, int64_t sb, ki_t s[2][NPMAX]) {
    const ki_t m4 = K_SET8(0x0F);
    ki_t raw = K_LOAD(units + 64 * (8 * (g0 >> 1) + k) + u);
    ki_t hraw = type == 13 ? K_LOAD(units + 2048 + 64 * k + u) : raw;
    for (int e = 0; e < G; e++) {
        int g = g0 + e;
        ki_t v = g & 1 ? K_AND(K_SRL16(raw, 4), m4) : K_AND(raw, m4);
        if (type == 13) v = K_OR(v, q5_high(hraw, g));
        for (int p = 0; p < np; p++) {
#if SUM16 /* int16 pair sums over the group's eight steps (Q5_K's four), widened once after them */
            s[e][p] = _mm256_add_epi16(s[e][p], _mm256_maddubs_epi16(v, K_SET32(x4(a, p, 8 * sb + g, k))));
            KEEP(s[e][p]); /* Q4_K: five and nine positions ~5% faster, measured */
#else
            s[e][p] = K_DOT(s[e][p], v, K_SET32(x4(a, p, 8 * sb + g, k)));
#endif
        }
    }
}

/* Rows h·KW .. h·KW + KW of a packed Q4_K or Q5_K (type 13) group times np positions (h: 0, or 0 and 1 for AVX2's
 * halves). Q5_K's codes reach 31, so on plain AVX2 its int16 pair sums take four steps at most (4 · 2 · 31 · 128 =
 * 31,744), and the two halves of a group are widened apart and added as int32: the same integers. */
INLINE void pkk_q4_part(int type, const uint8_t *gw, const act_t *a, int np, int h, float *res) {
    const int sbb = packed_sb_bytes(type), u = 32 * (KW == 8) * h, f = 16 * (KW == 8) * h, c = 8 * (KW == 8) * h;
    /* Groups of 32 codes per pass over their steps: both groups a step's bytes hold while the registers take
     * the sums of both (G = 2), else one at a time. With both at once a nine-position pass spilled and its
     * accumulators moved between registers every step (a 9-position Q6_K pass on a matrix in L2 took 103 µs
     * instead of 71, Q4_K 63 instead of 50, one thread, measured); with one at a time a single position unpacks
     * each step's bytes twice (Q4_K's decode step ~5% slower). */
    const int G = np <= 4 ? 2 : 1;
    int64_t nsb = a->n / 256;
    kf_t acc[NPMAX];
    for (int p = 0; p < np; p++) acc[p] = K_ZEROPS();
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = gw + sbb * sb;
        pf_ahead(gw, sbb, nsb, a, h, 16 / KW, sb, !VNNI256);
        kf_t d = K_PH(blk + f);
        kf_t dmin = K_PH(blk + 32 + f);
        const uint8_t *units = blk + 320;
        for (int g0 = 0; g0 < 8; g0 += G) {
            /* The activations from the super-block on, each position's reached from one pointer and the strides, which
             * the compiler is made to forget beyond five positions (as block_at's): kept a pointer a position, nine
             * positions' values, scales and mins did not fit the general registers. One thread, a 2,816 × 1,024 matrix
             * in L3, median of 9 (7, 5) fresh processes, ns a group-pos: AVX-512 nine 3.48 -> 3.32, five 3.64 -> 3.42,
             * four 3.69 -> 3.52, 64 3.58 -> 3.26, one unchanged (6.0); plain AVX2 five 6.02 -> 5.30, nine 6.37 -> 5.48. */
            act_t la = *a;
            la.qs = a->qs + 256 * sb;
            la.d = a->d + 8 * sb;
            la.ms = a->ms + 8 * sb;
            if (np > 5) __asm__("" : "+r"(la.n), "+r"(la.nb), "+r"(la.qs), "+r"(la.d), "+r"(la.ms));
            ki_t s[2][NPMAX];
            for (int e = 0; e < G; e++) for (int p = 0; p < np; p++) s[e][p] = K_SET32(0);
#if SUM16
            if (type == 13) {
                ki_t w[2][NPMAX]; /* the first four steps' sums, widened */
                for (int k = 0; k < 4; k++) q4k_step(type, units, u, g0, G, k, &la, np, 0, s);
                for (int e = 0; e < G; e++) for (int p = 0; p < np; p++) {
                    w[e][p] = _mm256_madd_epi16(s[e][p], _mm256_set1_epi16(1));
                    s[e][p] = K_SET32(0);
                }
                for (int k = 4; k < 8; k++) q4k_step(type, units, u, g0, G, k, &la, np, 0, s);
                for (int e = 0; e < G; e++) for (int p = 0; p < np; p++) s[e][p] = _mm256_add_epi32(w[e][p], _mm256_madd_epi16(s[e][p], _mm256_set1_epi16(1)));
            } else
#endif
            if (G == 1) {
                K_UNROLL8
                for (int k = 0; k < 8; k++) q4k_step(type, units, u, g0, 1, k, &la, np, 0, s);
            } else {
                for (int k = 0; k < 8; k++) q4k_step(type, units, u, g0, 2, k, &la, np, 0, s); /* decode: measured faster rolled */
            }
#if SUM16
            if (type != 13) for (int e = 0; e < G; e++) for (int p = 0; p < np; p++) s[e][p] = _mm256_madd_epi16(s[e][p], _mm256_set1_epi16(1));
#endif
            for (int e = 0; e < G; e++) {
                int g = g0 + e;
                kf_t ds = K_MUL(d, K_U8(blk + 64 + 16 * g + c)), dm = K_MUL(dmin, K_U8(blk + 192 + 16 * g + c));
                for (int p = 0; p < np; p++) {
                    int64_t q = p * la.nb + g;
                    acc[p] = K_FMADD(K_CVT(s[e][p]), K_MUL(ds, K_SETPS(la.d[q])), acc[p]);
                    acc[p] = K_FNMADD(dm, K_SETPS(la.ms[q]), acc[p]);
                }
            }
        }
    }
    for (int p = 0; p < np; p++) K_STORE(res + 16 * p + KW * h, acc[p]);
}

/* Q6_K's codes of group g (a quad's low or high nibbles of the low unit lraw) with field t of the high unit hraw (bits
 * 2t, 2t + 1 of each byte) moved to bits 4, 5: the 6-bit codes of one step, unsigned. */
INLINE ki_t q6_codes(ki_t lraw, ki_t hraw, int g, int t, ki_t m4, ki_t m30) {
    ki_t lo = g & 1 ? K_AND(K_SRL16(lraw, 4), m4) : K_AND(lraw, m4);
    ki_t hb = t == 0 ? K_SLL16(hraw, 4) : t == 1 ? K_SLL16(hraw, 2) : t == 2 ? hraw : K_SRL16(hraw, 2);
    return K_OR(lo, K_AND(hb, m30));
}

#if !SUM16
/* pkk_q6_part's step: half `half` (eight steps) of quad i's groups for np positions, added into S */
INLINE void q6_half(const uint8_t *blk, const uint8_t *low, const uint8_t *high, const act_t *a, int np, int G, int64_t sb, int i,
                    int half, int u, int c, ki_t m4, ki_t m30, ki_t *S) {
#pragma GCC unroll 2
    for (int e0 = 0; e0 < 2; e0 += G) {
        const int32_t *cx = half ? a->c32h1 : a->c32h0;
        ki_t s[2][NPMAX];
        /* Σ (q − 32)·x: start at −32 · Σ x over the 16 codes */
        for (int e = 0; e < G; e++)
            for (int p = 0; p < np; p++) s[e][p] = K_SET32(cx[p * a->nb + 8 * sb + 2 * i + e0 + e]);
#pragma GCC unroll 4
        for (int kk = 0; kk < 4; kk++) {
            const int k = 4 * half + kk;
            ki_t lraw = K_LOAD(low + 64 * (8 * i + k) + u), hraw = K_LOAD(high + 64 * (8 * (i >> 1) + k) + u);
            for (int e = 0; e < G; e++) {
                int g = 2 * i + e0 + e; /* field t = 2 (i mod 2) + e0 + e of quad i / 2's high units */
                ki_t cv = q6_codes(lraw, hraw, g, 2 * (i & 1) + e0 + e, m4, m30);
                for (int p = 0; p < np; p++) s[e][p] = K_DOT(s[e][p], cv, K_SET32(x4(a, p, 8 * sb + g, k)));
            }
        }
        for (int e = 0; e < G; e++) {
            ki_t sc = KI_I8(blk + 32 + 16 * (2 * (2 * i + e0 + e) + half) + c); /* the scale of these 16 codes */
            for (int p = 0; p < np; p++) S[p] = KI_ADD(S[p], KI_MULLO(s[e][p], sc));
        }
    }
}

/* The same for Q6_K, whose activations share one scale per super-block (above): each position's integer sum S over
 * the super-block, Σ sc · Σ (q − 32)·x over its sixteen half groups, then one float step (AVX-512 VNNI and AVX-VNNI;
 * plain AVX2 below). */
INLINE void pkk_q6_part(const uint8_t *gw, const act_t *a, int np, int h, float *res) {
    const int sbb = packed_sb_bytes(14), u = 32 * (KW == 8) * h, f = 16 * (KW == 8) * h, c = 8 * (KW == 8) * h;
    const ki_t m4 = K_SET8(0x0F), m30 = K_SET8(0x30);
    const int G = np <= 4 ? 2 : 1; /* groups per pass as Q4_K's */
    int64_t nsb = a->n / 256;
    /* the float sums stay in res, touched once per super-block: in registers beside S and the group sums, nine
     * positions spilled */
    float *acc = res + KW * h;
    for (int p = 0; p < np; p++) K_STORE(acc + 16 * p, K_ZEROPS());
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = gw + sbb * sb;
        pf_ahead(gw, sbb, nsb, a, h, 16 / KW, sb, !VNNI256);
        kf_t d = K_PH(blk + f);
        ki_t S[NPMAX];
        for (int p = 0; p < np; p++) S[p] = K_SET32(0);
        const uint8_t *low = blk + 288, *high = blk + 2336;
        /* How far the steps unroll, by positions: five or more (one group a pass) every loop rolled, four the quads
         * rolled, up to three all unrolled. One thread, a 2,816 × 1,024 matrix from L3, median of 16 runs (each a fresh
         * process: this kernel's speed moves by up to a third with where its code and data land), ns a group of 16 rows
         * × 32 codes and position (AMD EPYC, Zen 4): five positions 5.35 -> 3.84, nine (five and four) 4.96 -> 3.73,
         * three and four unchanged (4.6, 4.0), 64 unchanged (4.4). Why the unrolled form ran slower there is not known
         * (this VM has no counters); its speed also moved the most with where its code lay. */
        if (G == 1) {
#pragma GCC unroll 1
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 1
                for (int half = 0; half < 2; half++) q6_half(blk, low, high, a, np, G, sb, i, half, u, c, m4, m30, S);
        } else if (np <= 3) {
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 2
                for (int half = 0; half < 2; half++) q6_half(blk, low, high, a, np, G, sb, i, half, u, c, m4, m30, S);
        } else {
#pragma GCC unroll 1
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 2
                for (int half = 0; half < 2; half++) q6_half(blk, low, high, a, np, G, sb, i, half, u, c, m4, m30, S);
        }
        for (int p = 0; p < np; p++)
            K_STORE(acc + 16 * p, K_FMADD(K_CVT(S[p]), K_MUL(d, K_SETPS(a->d[p * a->nb + 8 * sb])), K_LOADPS(acc + 16 * p)));
    }
}
#else
/* Plain AVX2's Q6_K: the same integer S per row, position and super-block, gathered another way. Every two steps'
 * int16 pair sums of a half group (6-bit codes: at most 2 · 2 · 63 · 128 = 32,256) go into S at once, multiplied by
 * the half group's scale (madd with each row's scale in both int16 halves of its lane), and the starts −32 · Σ x of all
 * sixteen half groups come as eight madds of the scales' pairs (half groups 2g and 2g + 1, times −32: at most 4,096)
 * times block g's (Σ x of half 0, of half 1) (hp). No sum per half group waits in a register beside S, and no vpmulld
 * per half group and position: where pkk_q6_part held both for five positions, they spilled. Exact: |S| stays below
 * 2^31 at every step (each madd of a pair sum ≤ 2 · 128 · 32,256, 32 of them, and the starts ≤ 16 · 4,096 · 2,032). */
INLINE void pkk_q6_part_avx2(const uint8_t *gw, const act_t *a, int np, int h, float *res) {
    const int sbb = packed_sb_bytes(14), u = 32 * h, f = 16 * h, c = 8 * h;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    int64_t nsb = a->n / 256;
    float *acc = res + 8 * h;
    for (int p = 0; p < np; p++) _mm256_storeu_ps(acc + 16 * p, _mm256_setzero_ps());
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = gw + sbb * sb;
        pf_ahead(gw, sbb, nsb, a, h, 2, sb, 1);
        const int8_t *scb = (const int8_t *) blk + 32 + c; /* half group j's scales of these eight rows: scb + 16 · j */
        const int32_t *hp = act_hp(a);
        __m256i S[NPMAX];
        for (int p = 0; p < np; p++) S[p] = _mm256_setzero_si256();
        for (int g = 0; g < 8; g++) {
            __m128i s0 = _mm_loadl_epi64((const __m128i *) (scb + 16 * (2 * g))), s1 = _mm_loadl_epi64((const __m128i *) (scb + 16 * (2 * g + 1)));
            __m256i pair = _mm256_mullo_epi16(_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(s0, s1)), _mm256_set1_epi16(-32));
            for (int p = 0; p < np; p++) S[p] = _mm256_add_epi32(S[p], _mm256_madd_epi16(pair, _mm256_set1_epi32(hp[p * a->nb + 8 * sb + g])));
        }
        const uint8_t *low = blk + 288, *high = blk + 2336;
        for (int i = 0; i < 4; i++) {
            /* both halves unrolled: five positions had compiled into a rolled loop with its counter in memory (one
             * thread, 2,816 × 1,024 from L3, Zen 4: five 10.7 -> 7.5 ns a group-pos; one to nine and 64 as fast or
             * faster but six, 6.7 -> 7.0) */
#pragma GCC unroll 2
            for (int half = 0; half < 2; half++) {
#pragma GCC unroll 2
                for (int e = 0; e < 2; e++) {
                    const int g = 2 * i + e, t = 2 * (i & 1) + e; /* group g, field t of quad i / 2's high units */
                    __m128i sc8 = _mm_loadl_epi64((const __m128i *) (scb + 16 * (2 * g + half)));
                    const __m256i scd = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(sc8, sc8));
                    /* block 8 sb + g of every position, from one pointer and the stride between positions, which the
                     * compiler forgets here: it then forms each position's address where it reads it (block_at) */
                    const int8_t *xq = a->qs + 32 * (8 * sb + g);
                    int64_t xn = a->n;
                    __asm__("" : "+r"(xn));
#pragma GCC unroll 2
                    for (int kk = 0; kk < 4; kk += 2) {
                        const int k = 4 * half + kk;
                        __m256i cv[2];
                        for (int q = 0; q < 2; q++)
                            cv[q] = q6_codes(load(low + 64 * (8 * i + k + q) + u), load(high + 64 * (8 * (i >> 1) + k + q) + u), g, t, m4, m30);
                        for (int p = 0; p < np; p++) {
                            int32_t x0, x1;
                            memcpy(&x0, xq + p * xn + 4 * k, 4);
                            memcpy(&x1, xq + p * xn + 4 * k + 4, 4);
                            __m256i uu = _mm256_add_epi16(_mm256_maddubs_epi16(cv[0], _mm256_set1_epi32(x0)),
                                                          _mm256_maddubs_epi16(cv[1], _mm256_set1_epi32(x1)));
                            S[p] = _mm256_add_epi32(S[p], _mm256_madd_epi16(uu, scd));
                            KEEP(S[p]);
                        }
                    }
                }
            }
        }
        __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (blk + f)));
        for (int p = 0; p < np; p++)
            _mm256_storeu_ps(acc + 16 * p, _mm256_fmadd_ps(_mm256_cvtepi32_ps(S[p]), _mm256_mul_ps(d, _mm256_set1_ps(a->d[p * a->nb + 8 * sb])), _mm256_loadu_ps(acc + 16 * p)));
    }
}
#endif

/* Q3_K (type 11) and Q2_K (10) packed: the codes' two low bits are ggml's qs bytes as they are, unit 8q + k, row r,
 * byte e holding in bits 2t, 2t + 1 group 4q + t's code 4k + e; Q3_K's third bits in high units as Q5_K's fifth. One
 * scale per half group (Q3_K's as sc − 32; Q2_K's byte as ggml's, the scale in its low nibble, the min in its high),
 * and activations with one scale per super-block, as Q6_K's. Per row, position and super-block, with h_j = Σ x over
 * half group j:
 *   Q3_K  S = Σ_j sc_j · Σ c·x − 4 · Σ_j sc_j · h_j;                  acc += float(S) · (d · dx)
 *   Q2_K  S = Σ_j sc_j · Σ c·x,  M = Σ_j m_j · h_j;  acc −= float(M) · (dmin · dx), then acc += float(S) · (d · dx)
 * The offset's or the mins' share comes first, eight madds of int16 pairs (−4 · sc or m of half groups 2g and 2g + 1)
 * times block g's two halves' Σ x (hp, as plain AVX2's Q6_K takes its starts); each half group's Σ c·x is then a chain
 * of four vpdpbusd times its scale (vpmulld), or on plain AVX2 int16 pair sums of two steps madd'ed with the scale, as
 * Q6_K's (two steps' int16 sums at most 2 · 2 · 7 · 128 = 3,584). Exact: |S| ≤ 16 · 32 · 16 · 7 · 128 + 16 · 128 · 2,032 < 2^31. */

/* the bytes of the offset's share: Q3_K's scales as they are, Q2_K's mins (the high nibbles) */
INLINE __m128i lo2_offset_bytes(int type, __m128i s) { return type == 10 ? _mm_and_si128(_mm_srli_epi16(s, 4), _mm_set1_epi8(0x0F)) : s; }

/* −4 · sc (Q3_K) or m (Q2_K) of half groups 2g and 2g + 1 of these rows (scb: half group j's scale bytes at 16 j) as
 * two int16 in each row's 32-bit lane */
INLINE ki_t lo2_pairs(int type, const uint8_t *scb, int g) {
#ifdef SL_VNNI
    __m128i s0 = lo2_offset_bytes(type, _mm_loadu_si128((const __m128i *) (scb + 32 * g))), s1 = lo2_offset_bytes(type, _mm_loadu_si128((const __m128i *) (scb + 32 * g + 16)));
    ki_t v = _mm512_cvtepi8_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(s0, s1), _mm_unpacklo_epi8(s0, s1)));
#else
    __m128i s0 = lo2_offset_bytes(type, _mm_loadl_epi64((const __m128i *) (scb + 32 * g))), s1 = lo2_offset_bytes(type, _mm_loadl_epi64((const __m128i *) (scb + 32 * g + 16)));
    ki_t v = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(s0, s1));
#endif
    return type == 11 ? K_MULLO16(v, K_SET16(-4)) : v;
}

/* Step k's codes of group g = 4q + t (t a constant where this inlines), unsigned: Q2_K 0..3, Q3_K 0..7 */
INLINE ki_t lo2_codes(int type, const uint8_t *low, const uint8_t *high, int u, int q, int t, int k, ki_t m3) {
    ki_t raw = K_LOAD(low + 64 * (8 * q + k) + u);
    ki_t v = K_AND(t == 0 ? raw : t == 1 ? K_SRL16(raw, 2) : t == 2 ? K_SRL16(raw, 4) : K_SRL16(raw, 6), m3);
    if (type == 11) v = K_OR(v, high_bit(K_LOAD(high + 64 * k + u), 4 * q + t, 0x04));
    return v;
}

INLINE void pkk_lo2_part(int type, const uint8_t *gw, const act_t *a, int np, int h, float *res) {
    const int sbb = packed_sb_bytes(type), u = 32 * (KW == 8) * h, f = 16 * (KW == 8) * h, c = 8 * (KW == 8) * h;
    const ki_t m3 = K_SET8(0x03);
    int64_t nsb = a->n / 256;
    float *acc = res + KW * h; /* the float sums in res, touched once per super-block, as Q6_K's */
    const int32_t *hp = act_hp(a);
    for (int p = 0; p < np; p++) K_STORE(acc + 16 * p, K_ZEROPS());
    for (int64_t sb = 0; sb < nsb; sb++) {
        const uint8_t *blk = gw + sbb * sb;
        pf_ahead(gw, sbb, nsb, a, h, 16 / KW, sb, !VNNI256);
        const uint8_t *scb = blk + (type == 11 ? 32 : 64) + c;
        const uint8_t *low = blk + (type == 11 ? 288 : 320), *high = blk + 1312;
        ki_t S[NPMAX];
        for (int p = 0; p < np; p++) S[p] = K_SET32(0);
        for (int g = 0; g < 8; g++) {
            const ki_t pair = lo2_pairs(type, scb, g);
            for (int p = 0; p < np; p++) S[p] = KI_ADD(S[p], K_MADD16(pair, K_SET32(hp[p * a->nb + 8 * sb + g])));
        }
        if (type == 10) { /* the mins' share now; S starts again for the scales' */
            const kf_t dmin = K_PH(blk + 32 + f);
            for (int p = 0; p < np; p++) {
                K_STORE(acc + 16 * p, K_FNMADD(K_CVT(S[p]), K_MUL(dmin, K_SETPS(a->d[p * a->nb + 8 * sb])), K_LOADPS(acc + 16 * p)));
                S[p] = K_SET32(0);
            }
        }
        for (int q = 0; q < 2; q++) {
#pragma GCC unroll 4
            for (int t = 0; t < 4; t++) {
                const int g = 4 * q + t;
#pragma GCC unroll 2
                for (int half = 0; half < 2; half++) {
                    const uint8_t *sc = scb + 16 * (2 * g + half);
#if SUM16
                    __m128i sc8 = _mm_loadl_epi64((const __m128i *) sc);
                    if (type == 10) sc8 = _mm_and_si128(sc8, _mm_set1_epi8(0x0F));
                    const __m256i scd = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(sc8, sc8));
                    const int8_t *xq = a->qs + 32 * (8 * sb + g); /* as pkk_q6_part_avx2's */
                    int64_t xn = a->n;
                    __asm__("" : "+r"(xn));
#pragma GCC unroll 2
                    for (int kk = 0; kk < 4; kk += 2) {
                        const int k = 4 * half + kk;
                        const __m256i c0 = lo2_codes(type, low, high, u, q, t, k, m3), c1 = lo2_codes(type, low, high, u, q, t, k + 1, m3);
                        for (int p = 0; p < np; p++) {
                            int32_t x0, x1;
                            memcpy(&x0, xq + p * xn + 4 * k, 4);
                            memcpy(&x1, xq + p * xn + 4 * k + 4, 4);
                            __m256i uu = _mm256_add_epi16(_mm256_maddubs_epi16(c0, _mm256_set1_epi32(x0)), _mm256_maddubs_epi16(c1, _mm256_set1_epi32(x1)));
                            S[p] = _mm256_add_epi32(S[p], _mm256_madd_epi16(uu, scd));
                            KEEP(S[p]);
                        }
                    }
#else
                    ki_t s[NPMAX];
                    for (int p = 0; p < np; p++) s[p] = K_SET32(0);
#pragma GCC unroll 4
                    for (int kk = 0; kk < 4; kk++) {
                        const int k = 4 * half + kk;
                        const ki_t cv = lo2_codes(type, low, high, u, q, t, k, m3);
                        for (int p = 0; p < np; p++) s[p] = K_DOT(s[p], cv, K_SET32(x4(a, p, 8 * sb + g, k)));
                    }
                    const ki_t scv = type == 11 ? KI_I8(sc) : K_AND(KI_I8(sc), K_SET32(0x0F));
                    for (int p = 0; p < np; p++) S[p] = KI_ADD(S[p], KI_MULLO(s[p], scv));
#endif
                }
            }
        }
        const kf_t d = K_PH(blk + f);
        for (int p = 0; p < np; p++)
            K_STORE(acc + 16 * p, K_FMADD(K_CVT(S[p]), K_MUL(d, K_SETPS(a->d[p * a->nb + 8 * sb])), K_LOADPS(acc + 16 * p)));
    }
}

INLINE void pkk_group(int type, const uint8_t *gw, const act_t *a, int np, float *res) {
    for (int h = 0; h < 16 / KW; h++) {
        if (type == 12) pkk_q4_part(12, gw, a, np, h, res);
        else if (type == 13) pkk_q4_part(13, gw, a, np, h, res);
        else if (type == 11) pkk_lo2_part(11, gw, a, np, h, res);
        else if (type == 10) pkk_lo2_part(10, gw, a, np, h, res);
#if SUM16
        else pkk_q6_part_avx2(gw, a, np, h, res);
#else
        else pkk_q6_part(gw, a, np, h, res);
#endif
    }
}


/* ---------------------------------------------------------------- F16, sixteen rows in the lanes
 * Packed per group of 16 rows in units of four columns: unit u holds, for j = 4u .. 4u+3 in turn, the
 * 16 rows' weights j (f16): 128 bytes, as many as the rows take unpacked. Per position four chains
 * (columns j mod 4) of multiply-adds with the position's value x_j broadcast, added at the end as
 * (c0 + c1) + (c2 + c3): the same operations for any number of positions, rows or instruction set. */
#ifdef SL_VNNI
#define PKF 9 /* as PKK: 36 chains spill a few to L1, which cost less than a second pass over the weights on the machine
               * where this was first measured (1.4 decodes for 9 positions instead of 1.7); whether nine take one pass
               * or five and four is measured per core (sl_f16_split9) */
#define F16_MOST(t) ((t) == 9 && SL(sl_f16_split9)(-1) ? 5 : PKF)
int SL(sl_f16_split9)(int32_t mode);
#else
#define PKF 3 /* sixteen vector registers: 4 chains × 3 positions */
#define F16_MOST(t) PKF
#endif
/* Positions per pass for F16 calls of more than PKF (prefill) over a group alone (AVX-512 takes two groups at a time
 * where a range has them: pkf_pair): the weights come from the cache after the first pass, so no chain need spill. Six:
 * 24 chains and 4 weight vectors in 32 registers (1.48 B model, pp64, two threads, an AMD EPYC with AVX-512: 135 ->
 * 159-164 tokens/s, 200M model 1,153 -> 1,435; groups of 5 and 7 alike, 8 and 9 as slow as 9). */
#define PKF_MANY (PKF > 6 ? 6 : PKF)

INLINE void pkf_part(const uint8_t *gw, const float *x, int64_t n, int np, int h, const act_t *a, float *res) {
    const int f = 16 * (KW == 8) * h;
    kf_t c[NPMAX][4];
    for (int p = 0; p < np; p++) for (int q = 0; q < 4; q++) c[p][q] = K_ZEROPS();
    for (int64_t u = 0; u < n / 4; u++) {
        const uint8_t *unit = gw + 128 * u;
        if ((u & 1) == 0) pf_ahead(gw, 256, n / 8, a, h, 16 / KW, u / 2, 1);
        /* one weight vector at a time, each serving every position before the next is converted. One thread,
         * 2,048 x 1,024 in the cache, ns a group of 16 rows x 32 columns and position: AVX-512 nine positions
         * 6.0 -> 5.6, others unchanged; AVX2 (whose three positions' 12 chains, 4 weight vectors and a broadcast
         * had not fit 16 registers) five 14.2 -> 12.4, nine 14.5 -> 11.8, though F16 is packed at 512 bits only
         * (NativeKernels.packs). Each chain's operations and their order are as before. */
        for (int q = 0; q < 4; q++) {
            const kf_t w = K_PH(unit + 32 * q + f);
            for (int p = 0; p < np; p++) c[p][q] = K_FMADD(w, K_SETPS(x[p * n + 4 * u + q]), c[p][q]);
        }
    }
    for (int p = 0; p < np; p++) K_STORE(res + 16 * p + KW * h, K_ADD(K_ADD(c[p][0], c[p][1]), K_ADD(c[p][2], c[p][3])));
}

INLINE void pkf_group(const uint8_t *gw, const float *x, int64_t n, int np, const act_t *a, float *res) {
    pkf_part(gw, x, n, np, 0, a, res);
    if (KW == 8) pkf_part(gw, x, n, np, 1, a, res);
}

#ifdef SL_VNNI
#define PKF_PAIR 3 /* prefill's positions per pass over two groups: 24 chains, two weight vectors and a broadcast */

/* Prefill over two groups at once (gw and gw + gb), np ≤ PKF_PAIR positions: pkf_part's four chains per row and
 * position and its operations in its order, so the same bits, but each broadcast x_j serves 32 rows where it served 16.
 * The first pass over the pair (fetch) streams: the second group PF_DIST ahead, the next pair's first group at the
 * offset it reads (a prefetch never faults, past the matrix's end included); the later passes read the pair from the
 * cache. res[(g · np + p) · 16 + r]. One thread, ns a group of 16 rows × 32 columns and position at 64 positions (AMD
 * EPYC, Zen 5, alternating builds), passes of six over one group -> of three over two: a 2,048 × 4,096 matrix in L3
 * 303-307 -> 259-262, from memory 313 -> 274-276; 2,048 × 1,024 299-309 -> 264-266. */
INLINE void pkf_pair(const uint8_t *gw, int64_t gb, const float *x, int64_t n, const int np, int fetch, float *res) {
    __m512 c[2][PKF_PAIR][4];
    for (int g = 0; g < 2; g++)
        for (int p = 0; p < np; p++)
            for (int q = 0; q < 4; q++) c[g][p][q] = _mm512_setzero_ps();
    for (int64_t u = 0; u < n / 4; u++) {
        const uint8_t *unit = gw + 128 * u;
        if (fetch && (u & 1) == 0)
            for (int j = 0; j < 256; j += 64) {
                _mm_prefetch((const char *) unit + gb + PF_DIST + j, PF_HINT);
                _mm_prefetch((const char *) unit + 2 * gb + j, PF_HINT);
            }
        for (int q = 0; q < 4; q++) {
            const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (unit + 32 * q)));
            const __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (unit + gb + 32 * q)));
            for (int p = 0; p < np; p++) {
                const __m512 xv = _mm512_set1_ps(x[p * n + 4 * u + q]);
                c[0][p][q] = _mm512_fmadd_ps(w0, xv, c[0][p][q]);
                c[1][p][q] = _mm512_fmadd_ps(w1, xv, c[1][p][q]);
            }
        }
    }
    for (int g = 0; g < 2; g++)
        for (int p = 0; p < np; p++)
            _mm512_storeu_ps(res + 16 * (g * np + p), _mm512_add_ps(_mm512_add_ps(c[g][p][0], c[g][p][1]), _mm512_add_ps(c[g][p][2], c[g][p][3])));
}
#endif


#ifdef SL_AMX
/* ---------------------------------------------------------------- AMX tiles (Sapphire Rapids and later)
 * The packed Q8_0, Q4_0 and Q4_1 kernels again, for calls of AMX_MIN positions or more (prefill) and, below,
 * verify passes of six to nine (amx_few, which also takes Q4_K), on the
 * tile unit: one TDPBSSD multiplies m ≤ 16 positions' activation block (tile A: m rows of 32 signed bytes,
 * straight from the activation buffer) with the block's 16 weight rows (tile B: the packed layout's 8 steps
 * of 64 bytes, which is the layout TDPBSSD wants, made signed: amx_signed) into m × 16 exact int32 block
 * sums, the same integers the vpdpbusd chains of pk_group make. The tiles are stored and each position's 16
 * sums go through pk_group's float operations in the same order (convert, multiply-add with the scale
 * product, Q4_1's min), so every result is bit-identical to the VNNI path's: batch invariance holds
 * whichever path a call takes. Two row groups × two position tiles per block, the next block's products
 * issued before this block's float work, so the tile unit and the vector unit overlap. This file's build of
 * this part is the AMX level of dispatch.c, which asks Linux for the tile state once (arch_prctl) first.
 */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_cfg_t;

/* tiles 0..3: the sums (16 positions × 16 rows, int32) of position tile c and row group g in tile 2c + g;
 * 4, 5: activations of position tiles 0, 1 (16 positions × 32 bytes); 6, 7: weights of row groups 0, 1
 * (8 steps × 64 bytes). Four independent products per block: the tile unit does not wait on one chain. */
static void amx_config(int m /* positions per tile, ≤ 16 */) {
    amx_cfg_t c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int i = 0; i < 8; i++) {
        c.rows[i] = i >= 6 ? 8 : m;
        c.colsb[i] = i == 4 || i == 5 ? 32 : 64;
    }
    _tile_loadconfig(&c);
}

#define AMX_M 16 /* positions per full tile */

/* The weights of packed block units (head skipped) as TDPBSSD's 8 × 64 signed bytes, the codes less their
 * offset (Q8_0's 128, Q4_0's 8, Q4_1's none) so that the tile's sums are the signed sums pk_group reaches
 * from its start −o·Σ x: the same integers. Q8_0: its 8 steps as stored; Q4_0 and Q4_1: step k < 4 the
 * low nibbles of unit k (weights 4k..4k+3), k ≥ 4 the high ones of unit k − 4. */
INLINE void amx_signed(int type, const uint8_t *units, uint8_t *dst) {
    if (type == 8) {
        for (int k = 0; k < 8; k++)
            _mm512_store_si512(dst + 64 * k, _mm512_xor_si512(_mm512_loadu_si512(units + 64 * k), _mm512_set1_epi8((char) 0x80)));
        return;
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), o = _mm512_set1_epi8(type == 2 ? 8 : 0);
    for (int j = 0; j < 4; j++) {
        __m512i raw = _mm512_loadu_si512(units + 64 * j);
        _mm512_store_si512(dst + 64 * j, _mm512_sub_epi8(_mm512_and_si512(raw, m4), o));
        _mm512_store_si512(dst + 64 * (j + 4), _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(raw, 4), m4), o));
    }
}

/* The tile products of block b: sums[2c + g] (16 positions × 16 rows) for ng row groups and nc position tiles. */
INLINE void amx_products(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, int nc, int m, int64_t b,
                         uint8_t (*wb)[512], int32_t (*sums)[AMX_M * 16]) {
    const int ub = pk_unit_bytes(type), head = pk_head(type);
    for (int g = 0; g < ng; g++) {
        const uint8_t *blk = gw + g * group_bytes + ub * b;
        for (int i = 0; i < ub; i += 64) _mm_prefetch((const char *) blk + PF_DIST + i, PF_HINT);
        amx_signed(type, blk + head, wb[g]);
    }
    _tile_loadd(6, wb[0], 64);
    if (ng > 1) _tile_loadd(7, wb[1], 64);
    _tile_loadd(4, a->qs + 32 * b, a->n);
    if (nc > 1) _tile_loadd(5, a->qs + m * a->n + 32 * b, a->n);
    _tile_zero(0);
    _tile_dpbssd(0, 4, 6);
    if (ng > 1) { _tile_zero(1); _tile_dpbssd(1, 4, 7); }
    if (nc > 1) { _tile_zero(2); _tile_dpbssd(2, 5, 6); }
    if (ng > 1 && nc > 1) { _tile_zero(3); _tile_dpbssd(3, 5, 7); }
    _tile_stored(0, sums[0], 64);
    if (ng > 1) _tile_stored(1, sums[1], 64);
    if (nc > 1) _tile_stored(2, sums[2], 64);
    if (ng > 1 && nc > 1) _tile_stored(3, sums[3], 64);
}

/* pk_group's float operations for block b's sums, in its order, into acc. */
INLINE void amx_floats(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, int nc, int m, int64_t b,
                       int32_t (*sums)[AMX_M * 16], float *acc) {
    const int ub = pk_unit_bytes(type);
    for (int g = 0; g < ng; g++) {
        const uint8_t *blk = gw + g * group_bytes + ub * b;
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) blk));
        __m512 mw = type == 3 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (blk + 32))) : dw;
        for (int c = 0; c < nc; c++) {
            for (int i = 0; i < m; i++) {
                int p = m * c + i;
                float *ap = acc + 32 * p + 16 * g;
                __m512i sum = _mm512_load_si512(sums[2 * c + g] + 16 * i);
                __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(a->d[p * a->nb + b])), _mm512_load_ps(ap));
                if (type == 3) v = _mm512_fmadd_ps(mw, _mm512_set1_ps(a->ms[p * a->nb + b]), v);
                _mm512_store_ps(ap, v);
            }
        }
    }
}

/* acc[p][32]: lanes 16g .. 16g + 15 the rows of group g (gw + g · group_bytes, ng ≤ 2 groups) times position p
 * (nc ≤ 2 tiles of m positions from a). The tiles of block b + 1 are computed before the floats of block b,
 * so the tile unit and the vector unit overlap. */
INLINE void amx_tiles(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, int nc, int m, float *acc) {
    _Alignas(64) int32_t sums[2][4][AMX_M * 16];
    _Alignas(64) uint8_t wb[2][512];
    for (int i = 0; i < nc * m * 32; i++) acc[i] = 0;
    amx_products(type, gw, group_bytes, ng, a, nc, m, 0, wb, sums[0]);
    for (int64_t b = 0; b < a->nb; b++) {
        if (b + 1 < a->nb) amx_products(type, gw, group_bytes, ng, a, nc, m, b + 1, wb, sums[(b + 1) & 1]);
        amx_floats(type, gw, group_bytes, ng, a, nc, m, b, sums[b & 1], acc);
    }
}

/* Rows [r0, r1) of the packed groups, positions [p0, p0 + count) in tiles of m (count a multiple of m): out as
 * sl_matmul_packed's. Two row groups and two position tiles at a time where there are. */
INLINE void amx_pass(int type, const uint8_t *pw, int64_t group_bytes, int32_t r0, int32_t r1, const uint8_t *act,
                     int64_t cap, int64_t n, int32_t p0, int32_t count, int m, float *out, int64_t out_stride) {
    _Alignas(64) float acc[2 * AMX_M * 32];
    amx_config(m);
    for (int32_t g = r0 / PK; PK * g < r1; g += 2) {
        int ng = PK * (g + 1) < r1 ? 2 : 1;
        const uint8_t *gw = pw + group_bytes * g;
        for (int32_t q = p0; q < p0 + count; q += 2 * m) {
            act_t a = act_at(act, cap, n, q);
            int nc = q + 2 * m <= p0 + count ? 2 : 1;
            if (ng == 2 && nc == 2) amx_tiles(type, gw, group_bytes, 2, &a, 2, m, acc);
            else if (ng == 2) amx_tiles(type, gw, group_bytes, 2, &a, 1, m, acc);
            else if (nc == 2) amx_tiles(type, gw, group_bytes, 1, &a, 2, m, acc);
            else amx_tiles(type, gw, group_bytes, 1, &a, 1, m, acc);
            for (int p = 0; p < nc * m; p++)
                for (int32_t r = PK * g > r0 ? PK * g : r0; r < PK * (g + ng) && r < r1; r++)
                    out[(q + p) * out_stride + r] = acc[32 * p + r - PK * g];
        }
    }
    _tile_release();
}

/* Verify passes (amx_few_min(type) ≤ m ≤ NPMAX positions): the same tile products, with the float sums of each
 * position and row group in registers across the blocks (m a constant in each copy; amx_tiles keeps them in
 * memory, which made its nine-position passes slower than pk_group's), and the tiles' sums starting at the
 * codes' offset (tile C loaded with −o·Σ x per position, TDPBSUD on the unsigned codes as stored), so Q8_0's
 * weights go to the tile unit straight from the packed copy. The integers and the float operations are
 * pk_group's (Q4_K: pkk_part's), in its order: the same bits.
 *
 * Stage 1 of block b: its Q4_0/Q4_1/Q4_K codes unpacked to bytes (wb) and its starting sums (st, one row per position). */
INLINE void amx_few_prepare(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, const int m, int64_t b,
                            uint8_t (*wb)[512], int32_t *st) {
    if (type == 12) { /* super-block b / 8, group b % 8 of 32 codes: the low or high nibbles of its quad's 8 units */
        const __m512i m4 = _mm512_set1_epi8(0x0F);
        for (int g = 0; g < ng; g++) {
            const uint8_t *sblk = gw + g * group_bytes + packed_sb_bytes(12) * (b >> 3), *units = sblk + 320 + 512 * ((b & 7) >> 1);
            if ((b & 7) == 0) for (int i = 0; i < packed_sb_bytes(12); i += 64) _mm_prefetch((const char *) sblk + PF_DIST + i, PF_HINT);
            for (int k = 0; k < 8; k++) {
                __m512i raw = _mm512_loadu_si512(units + 64 * k);
                _mm512_store_si512(wb[g] + 64 * k, _mm512_and_si512(b & 1 ? _mm512_srli_epi16(raw, 4) : raw, m4));
            }
        }
        return;
    }
    const int ub = pk_unit_bytes(type), head = pk_head(type);
    for (int g = 0; g < ng; g++) {
        const uint8_t *blk = gw + g * group_bytes + ub * b;
        for (int i = 0; i < ub; i += 64) _mm_prefetch((const char *) blk + PF_DIST + i, PF_HINT);
        if (type != 8) {
            const __m512i m4 = _mm512_set1_epi8(0x0F);
            for (int j = 0; j < 4; j++) {
                __m512i raw = _mm512_loadu_si512(blk + head + 64 * j);
                _mm512_store_si512(wb[g] + 64 * j, _mm512_and_si512(raw, m4));
                _mm512_store_si512(wb[g] + 64 * (j + 4), _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4));
            }
        }
    }
    if (type != 3)
        for (int i = 0; i < m; i++) _mm512_store_si512(st + 16 * i, _mm512_set1_epi32(pk_start(type, a, i, b)));
}

/* Stage 2 of block b: its products into tiles c (group 0) and c + 1 (group 1). */
INLINE void amx_few_products(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, int64_t b,
                             uint8_t (*wb)[512], const int32_t *st, const int c) {
    const int ub = type == 12 ? 0 : pk_unit_bytes(type), head = type == 12 ? 0 : pk_head(type);
    if (type == 8) {
        _tile_loadd(6, gw + ub * b + head, 64);
        if (ng > 1) _tile_loadd(7, gw + group_bytes + ub * b + head, 64);
    } else {
        _tile_loadd(6, wb[0], 64);
        if (ng > 1) _tile_loadd(7, wb[1], 64);
    }
    _tile_loadd(4, a->qs + 32 * b, a->n);
    if (c == 0) {
        if (type == 3 || type == 12) { _tile_zero(0); if (ng > 1) _tile_zero(1); }
        else { _tile_loadd(0, st, 64); if (ng > 1) _tile_loadd(1, st, 64); }
        _tile_dpbsud(0, 4, 6);
        if (ng > 1) _tile_dpbsud(1, 4, 7);
    } else {
        if (type == 3 || type == 12) { _tile_zero(2); if (ng > 1) _tile_zero(3); }
        else { _tile_loadd(2, st, 64); if (ng > 1) _tile_loadd(3, st, 64); }
        _tile_dpbsud(2, 4, 6);
        if (ng > 1) _tile_dpbsud(3, 4, 7);
    }
}

/* Stage 3: tiles c, c + 1 stored to sums. */
INLINE void amx_few_store(int ng, const int c, int32_t (*sums)[AMX_M * 16]) {
    if (c == 0) { _tile_stored(0, sums[0], 64); if (ng > 1) _tile_stored(1, sums[1], 64); }
    else { _tile_stored(2, sums[0], 64); if (ng > 1) _tile_stored(3, sums[1], 64); }
}

/* The floats of block b (sums: its tile sums, one array per group), in pk_group's order. */
INLINE void amx_few_floats(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, const int m, int64_t b,
                           int32_t (*sums)[AMX_M * 16], __m512 (*acc)[NPMAX]) {
    if (type == 12) { /* pkk_part's: the group's scale and min products, then per position its two steps */
        for (int g = 0; g < ng; g++) {
            const uint8_t *sblk = gw + g * group_bytes + packed_sb_bytes(12) * (b >> 3);
            const int e = b & 7;
            __m512 ds = K_MUL(K_PH(sblk), K_U8(sblk + 64 + 16 * e)), dm = K_MUL(K_PH(sblk + 32), K_U8(sblk + 192 + 16 * e));
            for (int i = 0; i < m; i++) {
                __m512i sum = _mm512_load_si512(sums[g] + 16 * i);
                int64_t q = i * a->nb + b;
                acc[g][i] = K_FMADD(K_CVT(sum), K_MUL(ds, K_SETPS(a->d[q])), acc[g][i]);
                acc[g][i] = K_FNMADD(dm, K_SETPS(a->ms[q]), acc[g][i]);
            }
        }
        return;
    }
    const int ub = pk_unit_bytes(type);
    for (int g = 0; g < ng; g++) {
        const uint8_t *blk = gw + g * group_bytes + ub * b;
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) blk));
        __m512 mw = type == 3 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (blk + 32))) : dw;
        for (int i = 0; i < m; i++) {
            __m512i sum = _mm512_load_si512(sums[g] + 16 * i);
            acc[g][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(a->d[i * a->nb + b])), acc[g][i]);
            if (type == 3) acc[g][i] = _mm512_fmadd_ps(mw, _mm512_set1_ps(a->ms[i * a->nb + b]), acc[g][i]);
        }
    }
}

/* Block b + 3 prepared, b + 2's products, b + 1's tiles stored, b's floats; h = b & 1 (a constant in each copy). */
INLINE void amx_few_step(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, const int m, int64_t b, const int h,
                         uint8_t (*wb)[2][512], int32_t (*st)[AMX_M * 16], int32_t (*sums)[2][AMX_M * 16], __m512 (*acc)[NPMAX]) {
    if (b + 3 < a->nb) amx_few_prepare(type, gw, group_bytes, ng, a, m, b + 3, wb[h ^ 1], st[h ^ 1]);
    if (b + 2 < a->nb) amx_few_products(type, gw, group_bytes, ng, a, b + 2, wb[h], st[h], 2 * h);
    if (b + 1 < a->nb) amx_few_store(ng, 2 * (h ^ 1), sums[h ^ 1]);
    amx_few_floats(type, gw, group_bytes, ng, a, m, b, sums[h], acc);
}

/* Blocks go through the four stages one block apart (prepare b + 3, products b + 2, store b + 1, floats b), so no
 * tile load reads bytes just stored by vector stores, nor a vector load bytes just stored from a tile: each waits
 * for the other's stores to leave the core, which, back to back, cost more than the products (measured). */
INLINE void amx_few(int type, const uint8_t *gw, int64_t group_bytes, int ng, const act_t *a, const int m, float *res /* [m][32] */) {
    _Alignas(64) int32_t sums[2][2][AMX_M * 16], st[2][AMX_M * 16];
    _Alignas(64) uint8_t wb[2][2][512];
    const int64_t nb = a->nb;
    __m512 acc[2][NPMAX];
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < m; i++) acc[g][i] = _mm512_setzero_ps();
    amx_few_prepare(type, gw, group_bytes, ng, a, m, 0, wb[0], st[0]);
    if (nb > 1) amx_few_prepare(type, gw, group_bytes, ng, a, m, 1, wb[1], st[1]);
    amx_few_products(type, gw, group_bytes, ng, a, 0, wb[0], st[0], 0);
    if (nb > 2) amx_few_prepare(type, gw, group_bytes, ng, a, m, 2, wb[0], st[0]);
    if (nb > 1) amx_few_products(type, gw, group_bytes, ng, a, 1, wb[1], st[1], 2);
    amx_few_store(ng, 0, sums[0]);
    int64_t b = 0;
    for (; b + 1 < nb; b += 2) {
        amx_few_step(type, gw, group_bytes, ng, a, m, b, 0, wb, st, sums, acc);
        amx_few_step(type, gw, group_bytes, ng, a, m, b + 1, 1, wb, st, sums, acc);
    }
    if (b < nb) amx_few_step(type, gw, group_bytes, ng, a, m, b, 0, wb, st, sums, acc);
    for (int g = 0; g < ng; g++)
        for (int i = 0; i < m; i++) _mm512_storeu_ps(res + 32 * i + 16 * g, acc[g][i]);
}

/* The fewest positions amx_few serves: one thread, nine positions, Q4_0 and Q4_1 1.3-1.5x faster than pk_group
 * (1,024 x 1,024 in L2, 2,816 x 1,024 and 1,024 x 2,816 beyond it), about equal at six, slower at four and
 * five (a block's tile stores and loads cost the same for any m); Q4_K 1.1-1.2x pkk_part from six to nine;
 * Q8_0, whose weights pk_group reads without unpacking, 1.0-1.3x at eight and nine, slower below (measured). */
INLINE int amx_few_min(int type) { return type == 8 ? 8 : 6; }

#define AMXF_T(T, M) do { if (ng == 2) amx_few(T, gw, group_bytes, 2, &a, M, res); else amx_few(T, gw, group_bytes, 1, &a, M, res); } while (0)
#define AMXF_AT(M) do { if (type == 8) AMXF_T(8, M); else if (type == 2) AMXF_T(2, M); else if (type == 3) AMXF_T(3, M); else AMXF_T(12, M); } while (0)

/* Rows [r0, r1), the m positions from p0 (amx_few_min(type) ≤ m ≤ NPMAX) in one pass, two row groups at a time. */
INLINE void amx_few_pass(int type, const uint8_t *pw, int64_t group_bytes, int32_t r0, int32_t r1, const uint8_t *act,
                         int64_t cap, int64_t n, int32_t p0, int32_t m, float *out, int64_t out_stride) {
    _Alignas(64) float res[NPMAX * 32];
    act_t a = act_at(act, cap, n, p0);
    amx_config(m);
    for (int32_t g = r0 / PK; PK * g < r1; g += 2) {
        int ng = PK * (g + 1) < r1 ? 2 : 1;
        const uint8_t *gw = pw + group_bytes * g;
        switch (m) {
            case 6: AMXF_AT(6); break;
            case 7: AMXF_AT(7); break;
            case 8: AMXF_AT(8); break;
            default: AMXF_AT(9); break;
        }
        for (int p = 0; p < m; p++)
            for (int32_t r = PK * g > r0 ? PK * g : r0; r < PK * (g + ng) && r < r1; r++)
                out[(p0 + p) * out_stride + r] = res[32 * p + r - PK * g];
    }
    _tile_release();
}

/* The fewest positions a tile is used for: tiles take whole tiles of 16 and a last one of AMX_MIN or more (or,
 * from amx_few_min(type) to NPMAX, amx_few's), the vector kernels the rest. Below twelve, pk_group was as fast or faster (4096 × 4096, one thread: Q8_0 equal at 9
 * positions, Q4_0 12% slower on tiles; at 12 the tiles 14% and 10% faster), measured. */
#define AMX_MIN 12

/* The positions [0, returned) of sl_matmul_packed's call on tiles (Q8_0, Q4_0, Q4_1; Q4_K's verify passes; other types none). */
INLINE int32_t amx_matmul(int type, const uint8_t *pw, int64_t group_bytes, int32_t r0, int32_t r1, const uint8_t *act,
                          int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
    if (type == 12) { /* Q4_K: verify passes only */
        if (t < amx_few_min(type) || t > NPMAX) return 0;
        amx_few_pass(type, pw, group_bytes, r0, r1, act, cap, n, 0, t, out, out_stride);
        return t;
    }
    if (type != 8 && type != 2 && type != 3) return 0;
    int32_t full = t / AMX_M * AMX_M, rest = t - full;
    if (full > 0) amx_pass(type, pw, group_bytes, r0, r1, act, cap, n, 0, full, AMX_M, out, out_stride);
    if (rest >= amx_few_min(type) && rest <= NPMAX) {
        amx_few_pass(type, pw, group_bytes, r0, r1, act, cap, n, full, rest, out, out_stride);
        return t;
    }
    if (rest < AMX_MIN) return full;
    amx_pass(type, pw, group_bytes, r0, r1, act, cap, n, full, rest, rest, out, out_stride);
    return t;
}
#endif

/* One copy of a kernel per position count (constants inside), for every count a call can ask: np comes from
 * group_size_of(…, most) ≤ most ≤ NPMAX, and each case computes exactly np positions, whatever the width's
 * most (a case computing more would read activations past the call's last position). */
#define NP_SWITCH(CALL) \
    switch (np) { \
        case 1: CALL(1); break; \
        case 2: CALL(2); break; \
        case 3: CALL(3); break; \
        case 4: CALL(4); break; \
        case 5: CALL(5); break; \
        case 6: CALL(6); break; \
        case 7: CALL(7); break; \
        case 8: CALL(8); break; \
        default: CALL(9); break; \
    }
#define PKF_AT(k) pkf_group(gw, xf, n, k, &a, res)
#define PK8_AT(k) pk_group(8, gw, &a, k, res)
#define PK2_AT(k) pk_group(2, gw, &a, k, res)
#define PK3_AT(k) pk_group(3, gw, &a, k, res)
#define PK6_AT(k) pk_group(6, gw, &a, k, res)
#define PK7_AT(k) pk_group(7, gw, &a, k, res)
#define PK20_AT(k) pk_group(20, gw, &a, k, res)
#define PK23_AT(k) pk_group(23, gw, &a, k, res)
#define PKK12_AT(k) pkk_group(12, gw, &a, k, res)
#define PKK13_AT(k) pkk_group(13, gw, &a, k, res)
#define PKK14_AT(k) pkk_group(14, gw, &a, k, res)
#define PKK11_AT(k) pkk_group(11, gw, &a, k, res)
#define PKK10_AT(k) pkk_group(10, gw, &a, k, res)

#ifdef SL_VNNI
/* Whether F16 prefill takes two groups a pass (pkf_pair: each broadcast serves 32 rows) or one (passes of PKF_MANY
 * positions: each converted weight vector serves six positions). Both make the same bits; which is faster depends on
 * the core: on Zen 5 (512-bit units) pairs gained 15% (pkf_pair's note); on Zen 4 (AVX-512 on 256-bit halves, where a
 * 512-bit conversion takes an FMA's slot) they lose: one thread, a 1,024² matrix in L2, 64 positions, ns a group of
 * 16 rows × 32 columns and position, pairs 12.4-12.5, one group 8.8. So it is measured once per process
 * (pkf_race), or set (sl_f16_pairs). */
static int pkf_pairs = -1;

/* Cycles (the time-stamp counter) of the fastest of three runs of either way over two groups of 1,024 columns and
 * twelve positions. */
static uint64_t pkf_time(int pair, const uint8_t *gw, int64_t gb, const float *x, int64_t n, float *res) {
    uint64_t best = UINT64_MAX;
    for (int run = 0; run < 3; run++) {
        uint64_t t0 = __rdtsc();
        for (int p0 = 0; p0 < 12; p0 += pair ? PKF_PAIR : PKF_MANY) {
            /* after each call, a barrier that may read res: no call's sums are dead, so none is optimized away */
            if (pair) {
                pkf_pair(gw, gb, x + p0 * n, n, PKF_PAIR, 0, res);
                __asm__ volatile("" : : "r"(res) : "memory");
            } else {
                act_t a = {0};
                a.sweeps = 1;
                for (int g = 0; g < 2; g++) {
                    pkf_group(gw + g * gb, x + p0 * n, n, PKF_MANY, &a, res);
                    __asm__ volatile("" : : "r"(res) : "memory");
                }
            }
        }
        uint64_t d = __rdtsc() - t0;
        if (d < best) best = d;
    }
    return best;
}

/* Which of two ways is faster on this core: nine = 0 F16 prefill's pairs against one group (pkf_time), 1 nine positions
 * in passes of five and four against one pass (pkf_time9, below); 1 where the first is. Each alternately, so that a
 * busy moment hits both, over weights and activations past L1 (64 + 48 KB), as a product's groups are, read again from
 * L2 by each pass (in L1, Zen 4 ran the pairs faster); each thread that asks before an answer is stored measures in its
 * own buffers and stores its own answer, either of which gives the same bits. */
static uint64_t pkf_time9(int split, const uint8_t *gw, int64_t gb, const float *x, int64_t n, float *res);

static int pkf_race(int nine) {
    enum { N = 1024 };
    uint8_t *w = aligned_alloc(64, 2 * 32 * N);
    float *x = aligned_alloc(64, 4 * 12 * N), res[2 * NPMAX * PK];
    if (!w || !x) {
        free(w);
        free(x);
        return 0;
    }
    for (int i = 0; i < 2 * 16 * N; i++) memcpy(w + 2 * i, &(uint16_t) {(uint16_t) (0x3800 + (i & 0xff))}, 2);
    for (int i = 0; i < 12 * N; i++) x[i] = (float) (i % 7) * 0.25f;
    uint64_t first = UINT64_MAX, second = UINT64_MAX;
    for (int trial = 0; trial < 4; trial++) {
        uint64_t f = nine ? pkf_time9(1, w, 32 * N, x, N, res) : pkf_time(1, w, 32 * N, x, N, res);
        uint64_t o = nine ? pkf_time9(0, w, 32 * N, x, N, res) : pkf_time(0, w, 32 * N, x, N, res);
        if (f < first) first = f;
        if (o < second) second = o;
    }
    free(w);
    free(x);
    return first < second;
}

/* A choice kept in *slot (-1 not yet made): mode 0 or 1 sets it, -1 asks, and the first ask races the two ways
 * (pkf_race(nine)). */
static int pkf_way(int *slot, int nine, int32_t mode) {
    if (mode >= 0) __atomic_store_n(slot, mode != 0, __ATOMIC_RELAXED);
    int c = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (c < 0) {
        c = pkf_race(nine);
        __atomic_store_n(slot, c, __ATOMIC_RELAXED);
    }
    return c;
}

int SL(sl_f16_pairs)(int32_t mode) { return pkf_way(&pkf_pairs, 0, mode); }

/* Nine positions (a k = 8 verify) over a packed F16 group in one pass, or in passes of five and four: the same bits
 * either way (each position's chains are its own). One pass keeps 36 chains and spills some; two convert each weight
 * twice (from L1). Which costs less depends on the core: the AVX-512 machine where nine positions first shared a pass
 * ran them in one at 1.4 decode steps against 1.7 in two; Zen 4 runs five and four faster (one thread, a 2,816 × 1,024
 * matrix, ns a group of 16 rows × 32 columns and position: in L3 9.62 against 8.80, from memory 11.3 against 10.2;
 * the 200M model's nine-position pass 15.8-16.3 ms against 16.6-19.2). So it is measured once per process, as the
 * prefill pairs are (pkf_race), or set (sl_f16_split9). */
static int pkf_split = -1;

/* Cycles of the fastest of three runs of either way over two groups of 1,024 columns. */
static uint64_t pkf_time9(int split, const uint8_t *gw, int64_t gb, const float *x, int64_t n, float *res) {
    uint64_t best = UINT64_MAX;
    act_t a = {0};
    a.sweeps = split ? 2 : 1;
    for (int run = 0; run < 3; run++) {
        uint64_t t0 = __rdtsc();
        for (int g = 0; g < 2; g++) {
            /* after each call, a barrier that may read res: no call's sums are dead (as pkf_time's) */
            if (split) {
                a.sweep = 0;
                pkf_group(gw + g * gb, x, n, 5, &a, res);
                __asm__ volatile("" : : "r"(res) : "memory");
                a.sweep = 1;
                pkf_group(gw + g * gb, x + 5 * n, n, 4, &a, res);
            } else {
                a.sweep = 0;
                pkf_group(gw + g * gb, x, n, 9, &a, res);
            }
            __asm__ volatile("" : : "r"(res) : "memory");
        }
        uint64_t d = __rdtsc() - t0;
        if (d < best) best = d;
    }
    return best;
}

int SL(sl_f16_split9)(int32_t mode) { return pkf_way(&pkf_split, 1, mode); }

/* Rows [from, to) of packed F16 groups (gb bytes each) times t > PKF positions (prefill), out as sl_matmul_packed's:
 * two groups at a time where both hold rows of the range and pairs are the faster way here (pkf_pairs), else one
 * (pkf_group, passes of PKF_MANY). */
INLINE void pkf_prefill(const int pairs, const uint8_t *pw, int64_t gb, int32_t from, int32_t to, const uint8_t *act, int64_t cap,
                        int64_t n, int32_t t, float *out, int64_t out_stride) {
    float res[2 * NPMAX * PK];
    for (int32_t g = from / PK; PK * g < to;) {
        const uint8_t *gw = pw + gb * g;
        const int ng = pairs && PK * (g + 1) < to ? 2 : 1;
        const int most = ng == 2 ? PKF_PAIR : PKF_MANY, sweeps = (t + most - 1) / most;
        for (int32_t p0 = 0, np, sweep = 0; p0 < t; p0 += np, sweep++) {
            const float *xf = (const float *) act + p0 * n;
            np = group_size_of(t - p0, most);
            if (ng == 2) {
                if (np == PKF_PAIR) pkf_pair(gw, gb, xf, n, PKF_PAIR, sweep == 0, res);
                else if (np == 2) pkf_pair(gw, gb, xf, n, 2, sweep == 0, res);
                else pkf_pair(gw, gb, xf, n, 1, sweep == 0, res);
            } else {
                act_t a = act_at(act, cap, n, p0);
                a.sweep = sweep;
                a.sweeps = sweeps;
                NP_SWITCH(PKF_AT)
            }
            for (int h = 0; h < ng; h++) {
                int32_t r0 = PK * (g + h) > from ? PK * (g + h) : from, r1 = PK * (g + h + 1) < to ? PK * (g + h + 1) : to;
                for (int p = 0; p < np; p++)
                    for (int32_t r = r0; r < r1; r++) out[(p0 + p) * out_stride + r] = res[PK * (h * np + p) + r - PK * (g + h)];
            }
        }
        g += ng;
    }
}

/* pkf_prefill compiled once for each way (one way's copy ran 4% slower where the other could be taken, measured), out
 * of line, so the other types' loop compiles as before. */
__attribute__((noinline)) static void pkf_prefill_pairs(const uint8_t *pw, int64_t gb, int32_t from, int32_t to, const uint8_t *act, int64_t cap,
                                                        int64_t n, int32_t t, float *out, int64_t out_stride) {
    pkf_prefill(1, pw, gb, from, to, act, cap, n, t, out, out_stride);
}

__attribute__((noinline)) static void pkf_prefill_one(const uint8_t *pw, int64_t gb, int32_t from, int32_t to, const uint8_t *act, int64_t cap,
                                                      int64_t n, int32_t t, float *out, int64_t out_stride) {
    pkf_prefill(0, pw, gb, from, to, act, cap, n, t, out, out_stride);
}
#endif

/* Rows from ≤ r < to of the packed groups (r < 16 · groups, each group_bytes long: sl_packed_bytes of 16
 * rows): each group computed whole, the rows asked for stored. */
void SL(sl_matmul_packed)(int32_t type, const uint8_t *pw, int64_t group_bytes, int32_t from, int32_t to, const uint8_t *act,
                          int64_t cap, int64_t n, int32_t t, float *out, int64_t out_stride) {
    float res[NPMAX * PK];
#ifdef SL_VNNI
    if (type == 1 && t > PKF) { /* prefill; F16 never goes to AMX's tiles */
        if (SL(sl_f16_pairs)(-1)) pkf_prefill_pairs(pw, group_bytes, from, to, act, cap, n, t, out, out_stride);
        else pkf_prefill_one(pw, group_bytes, from, to, act, cap, n, t, out, out_stride);
        return;
    }
#endif
    int most = type == 12 || type == 13 ? PKK : type == 14 ? PKK_Q6 : type == 10 || type == 11 ? PKK_LO2 : type == 1 ? (t > PKF ? PKF_MANY : F16_MOST(t)) : PKP;
#ifdef SL_AMX
    /* Q8_0, Q4_0, Q4_1: positions on AMX's tiles, the rest as below */
    int32_t tiled = amx_matmul(type, pw, group_bytes, from, to, act, cap, n, t, out, out_stride);
#else
    int32_t tiled = 0;
#endif
    for (int32_t g = from / PK; PK * g < to; g++) {
        const uint8_t *gw = pw + group_bytes * g;
        int32_t r0 = PK * g > from ? PK * g : from, r1 = PK * g + PK < to ? PK * g + PK : to;
        const int sweeps = (t - tiled + most - 1) / most;
        for (int32_t p0 = tiled, np, sweep = 0; p0 < t; p0 += np, sweep++) {
            act_t a = act_at(act, cap, n, p0);
            a.sweep = sweep;
            a.sweeps = sweeps;
            const float *xf = (const float *) act + p0 * n; /* F16: the float activations */
            np = group_size_of(t - p0, most);
            if (type == 1) { NP_SWITCH(PKF_AT) } else if (type == 8) { NP_SWITCH(PK8_AT) } else if (type == 2) { NP_SWITCH(PK2_AT) }
            else if (type == 3) { NP_SWITCH(PK3_AT) } else if (type == 6) { NP_SWITCH(PK6_AT) } else if (type == 7) { NP_SWITCH(PK7_AT) }
            else if (type == 20) { NP_SWITCH(PK20_AT) } else if (type == 23) { NP_SWITCH(PK23_AT) }
            else if (type == 12) { NP_SWITCH(PKK12_AT) } else if (type == 13) { NP_SWITCH(PKK13_AT) }
            else if (type == 11) { NP_SWITCH(PKK11_AT) } else if (type == 10) { NP_SWITCH(PKK10_AT) }
            else { NP_SWITCH(PKK14_AT) }
            for (int p = 0; p < np; p++)
                for (int32_t r = r0; r < r1; r++) out[(p0 + p) * out_stride + r] = res[PK * p + r - PK * g];
        }
    }
}

/* ---------------------------------------------------------------- matrix products */

#define ROWS(row_fn, first)                                                                           \
        for (int32_t r = from; r < to; r++) {                                                         \
            const uint8_t *row = w + row_bytes * r;                                                    \
            for (int32_t p0 = (first), np; p0 < t; p0 += np) {                                        \
                act_t a = act_at(act, cap, n, p0);                                                      \
                np = group_size(t - p0);                                                                \
                switch (np) {                                                                          \
                    case 1: row_fn(row, &a, 1, res); break;                                            \
                    case 2: row_fn(row, &a, 2, res); break;                                            \
                    case 3: row_fn(row, &a, 3, res); break;                                            \
                    case 4: row_fn(row, &a, 4, res); break;                                            \
                    default: row_fn(row, &a, 5, res); break;                                           \
                }                                                                                      \
                for (int p = 0; p < np; p++) out[(p0 + p) * out_stride + r] = res[p];                  \
            }                                                                                          \
        }

#define MATMUL(type, row_fn)                                                                          \
    void SL(sl_matmul_##type)(const uint8_t *w, int64_t row_bytes, int32_t from, int32_t to,           \
                              const uint8_t *act, int64_t cap, int64_t n, int32_t t,                   \
                              float *out, int64_t out_stride) {                                        \
        float res[MAXP];                                                                               \
        ROWS(row_fn, 0)                                                                                \
    }

/* Eight positions or more: whole groups of eight in the lanes; the remainder (one to seven
 * positions) takes the row kernel. */
#define MATMUL_T(type, row_fn, rowt_fn)                                                               \
    void SL(sl_matmul_##type)(const uint8_t *w, int64_t row_bytes, int32_t from, int32_t to,           \
                              const uint8_t *act, int64_t cap, int64_t n, int32_t t,                   \
                              float *out, int64_t out_stride) {                                        \
        float res[MAXP];                                                                               \
        if (t < TMIN) {                                                                                \
            ROWS(row_fn, 0)                                                                            \
            return;                                                                                    \
        }                                                                                              \
        int32_t lanes = t / 8 * 8;                                                                     \
        float lane[8];                                                                                 \
        for (int32_t r = from; r < to; r++) {                                                         \
            const uint8_t *row = w + row_bytes * r;                                                    \
            for (int32_t g = 0; 8 * g < lanes; g++) {                                                 \
                tact_t a = tact_at(act, cap, n, g);                                                    \
                rowt_fn(row, &a, n, lane);                                                             \
                for (int p = 0; p < 8 && 8 * g + p < t; p++) out[(8 * g + p) * out_stride + r] = lane[p]; \
            }                                                                                          \
        }                                                                                              \
        if (lanes < t) ROWS(row_fn, lanes)                                                             \
    }

MATMUL_T(q8_0, row_q8_0, rowt_q8_0)
MATMUL_T(q4_0, row_q4_0, rowt_q4_0)
MATMUL(q4_1, row_q4_1)
MATMUL(q5_1, row_q5_1)
MATMUL_T(q5_0, row_q5_0, rowt_q5_0)
MATMUL(q5_k, row_q5_k)
MATMUL(q4_k, row_q4_k)
MATMUL(q6_k, row_q6_k)
MATMUL(q2_k, row_q2_k)
MATMUL(q3_k, row_q3_k)
MATMUL(iq4_nl, row_iq4_nl)
MATMUL(iq4_xs, row_iq4_xs)

int64_t SL(sl_act_bytes)(int64_t cap, int64_t n) { return act_bytes(cap, n); }

#ifndef SL_VNNI
int SL(sl_f16_pairs)(int32_t mode) { (void) mode; return 0; } /* F16 prefill pairs are AVX-512's */
int SL(sl_f16_split9)(int32_t mode) { (void) mode; return 0; } /* as are nine positions in one pass (PKF) */
#endif
