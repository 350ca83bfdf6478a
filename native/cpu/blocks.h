/*
 * Facts of ggml's block layouts, and of the packed layouts, that both kernels.c (the kernels) and dispatch.c (the packer)
 * read, written once.
 */
#ifndef SL_BLOCKS_H
#define SL_BLOCKS_H

#include <stdint.h>
#include <string.h>

/* Q3_K's sixteen 6-bit scales (ggml's 12 bytes at p: the low four bits of scales 0..7 and 8..15 in the low and high
 * nibbles of p[0..8), their top two bits in bit pairs of p[8..12)), less 32 */
static inline void q3k_scales(const uint8_t *p, int8_t *out) {
    uint32_t a0, a1, tmp, aux[4];
    memcpy(&a0, p, 4);
    memcpy(&a1, p + 4, 4);
    memcpy(&tmp, p + 8, 4);
    const uint32_t m1 = 0x03030303u, m2 = 0x0f0f0f0fu;
    aux[0] = (a0 & m2) | ((tmp & m1) << 4);
    aux[1] = (a1 & m2) | (((tmp >> 2) & m1) << 4);
    aux[2] = ((a0 >> 4) & m2) | (((tmp >> 4) & m1) << 4);
    aux[3] = ((a1 >> 4) & m2) | (((tmp >> 6) & m1) << 4);
    for (int i = 0; i < 16; i++) out[i] = (int8_t) ((int) ((aux[i / 4] >> (8 * (i % 4))) & 0xFF) - 32);
}

/* IQ4_XS {f16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}: block g's 6-bit scale of the super-block at sb, less 32 */
static inline int iq4xs_ls(const uint8_t *sb, int g) {
    uint16_t high;
    memcpy(&high, sb + 2, 2);
    return (((sb[4 + g / 2] >> (4 * (g % 2))) & 0xF) | (((high >> (2 * g)) & 3) << 4)) - 32;
}

/* The bytes of 16 rows × one super-block of 256 as sl_pack writes them (kernels.c describes each layout): Q2_K (10),
 * Q3_K (11), Q4_K (12), Q5_K (13), Q6_K (14), IQ4_XS (23); 0 for the other types */
static inline int packed_sb_bytes(int type) {
    return type == 10 ? 1344 : type == 11 ? 1824 : type == 12 ? 2368 : type == 13 ? 2880 : type == 14 ? 3360 : type == 23 ? 2208 : 0;
}

#endif
