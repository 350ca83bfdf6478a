/* Which AVX-512 operations compete with vpdpbusd for the same execution units on this core: the floor under a
 * verify pass, whose packed kernels issue eight vpdpbusd per group of 16 rows × 32 weights and position, plus their
 * float steps (README, "Where it stands").
 *   cc -O2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni bench/alu-floor.c -o /tmp/alu-floor && /tmp/alu-floor
 * Prints the time of one operation alone (ten independent chains), then of six vpdpbusd chains beside four chains of
 * each other operation: where the pair takes longer than the six vpdpbusd alone, the two share units. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define N 50000000L
#define I(k) _mm512_set1_epi32(k)
#define AS_PS(v) _mm512_castsi512_ps(v)
#define AS_SI(v) _mm512_castps_si512(v)
#define DP(a, b) _mm512_dpbusd_epi32(a, b, b)
#define FMA(a, b) AS_SI(_mm512_fmadd_ps(AS_PS(a), AS_PS(b), AS_PS(b)))
#define MUL(a, b) AS_SI(_mm512_mul_ps(AS_PS(a), AS_PS(b)))
#define CVT(a, b) AS_SI(_mm512_cvtepi32_ps(a))
#define CVTPH(a, b) AS_SI(_mm512_cvtph_ps(_mm512_castsi512_si256(a)))
#define MULLO(a, b) _mm512_mullo_epi32(a, b)
#define MADD(a, b) _mm512_madd_epi16(a, b)
#define SRL(a, b) _mm512_srli_epi16(a, 1)
#define AND(a, b) _mm512_and_si512(a, b)
#define ADD(a, b) _mm512_add_epi32(a, b)

/* ten independent chains of OP: ns per operation */
#define ALONE(NAME, OP) { \
    __m512i a0 = I(1), a1 = I(2), a2 = I(3), a3 = I(4), a4 = I(5), a5 = I(6), a6 = I(7), a7 = I(8), a8 = I(9), a9 = I(10), b = I(3); \
    double t0 = now(); \
    for (long i = 0; i < N; i++) { \
        a0 = OP(a0, b); a1 = OP(a1, b); a2 = OP(a2, b); a3 = OP(a3, b); a4 = OP(a4, b); \
        a5 = OP(a5, b); a6 = OP(a6, b); a7 = OP(a7, b); a8 = OP(a8, b); a9 = OP(a9, b); \
        __asm__ volatile("" : "+v"(b)); \
    } \
    alone = (now() - t0) * 1e9 / (N * 10.0); \
    printf("%-9s alone %.3f ns\n", NAME, alone); \
    volatile __m512i keep = a0; keep = a1; keep = a2; keep = a3; keep = a4; keep = a5; keep = a6; keep = a7; keep = a8; keep = a9; (void) keep; }

/* six vpdpbusd chains and four of OP: ns per iteration, against six vpdpbusd alone */
#define BESIDE(NAME, OP) { \
    __m512i a0 = I(1), a1 = I(2), a2 = I(3), a3 = I(4), a4 = I(5), a5 = I(6), c0 = I(7), c1 = I(8), c2 = I(9), c3 = I(10), b = I(3); \
    double t0 = now(); \
    for (long i = 0; i < N; i++) { \
        a0 = DP(a0, b); a1 = DP(a1, b); a2 = DP(a2, b); a3 = DP(a3, b); a4 = DP(a4, b); a5 = DP(a5, b); \
        c0 = OP(c0, b); c1 = OP(c1, b); c2 = OP(c2, b); c3 = OP(c3, b); \
        __asm__ volatile("" : "+v"(b)); \
    } \
    double d = (now() - t0) * 1e9 / N; \
    printf("6 vpdpbusd + 4 %-9s %.3f ns (6 vpdpbusd alone %.3f): %s\n", NAME, d, 6 * dp, d > 6 * dp * 1.15 ? "shares units" : "beside"); \
    volatile __m512i keep = a0; keep = a1; keep = a2; keep = a3; keep = a4; keep = a5; keep = c0; keep = c1; keep = c2; keep = c3; (void) keep; }

int main(void) {
    double alone, dp;
    ALONE("vpdpbusd", DP) dp = alone;
    ALONE("fma", FMA) ALONE("mul", MUL) ALONE("cvtdq2ps", CVT) ALONE("vpmulld", MULLO) ALONE("vpmaddwd", MADD) ALONE("and", AND) ALONE("add", ADD)
    BESIDE("fma", FMA) BESIDE("mul", MUL) BESIDE("cvtdq2ps", CVT) BESIDE("cvtph2ps", CVTPH) BESIDE("vpmulld", MULLO) BESIDE("vpmaddwd", MADD)
    BESIDE("srlw", SRL) BESIDE("and", AND) BESIDE("add", ADD)
    return 0;
}
