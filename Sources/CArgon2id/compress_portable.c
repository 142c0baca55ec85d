/* The compression function G of RFC 9106 §3.5-3.6 on plain 64-bit words: the fallback for every CPU. */
#include "internal.h"

/* RFC 9106 §3.6: BLAKE2b's G with each addition a + b replaced by a + b + 2 * lo32(a) * lo32(b). */
static inline uint64_t blamka(uint64_t a, uint64_t b) {
    return a + b + 2 * (uint64_t)(uint32_t)a * (uint64_t)(uint32_t)b;
}

#define GB(a, b, c, d)                        \
    do {                                      \
        a = blamka(a, b);                     \
        d = cargon2id_rotr64(d ^ a, 32);      \
        c = blamka(c, d);                     \
        b = cargon2id_rotr64(b ^ c, 24);      \
        a = blamka(a, b);                     \
        d = cargon2id_rotr64(d ^ a, 16);      \
        c = blamka(c, d);                     \
        b = cargon2id_rotr64(b ^ c, 63);      \
    } while (0)

/* The permutation P on 16 words given by their indices into `q` (RFC 9106 §3.6). */
static inline void permute(uint64_t *q, const int w[16]) {
    GB(q[w[0]], q[w[4]], q[w[8]], q[w[12]]);
    GB(q[w[1]], q[w[5]], q[w[9]], q[w[13]]);
    GB(q[w[2]], q[w[6]], q[w[10]], q[w[14]]);
    GB(q[w[3]], q[w[7]], q[w[11]], q[w[15]]);
    GB(q[w[0]], q[w[5]], q[w[10]], q[w[15]]);
    GB(q[w[1]], q[w[6]], q[w[11]], q[w[12]]);
    GB(q[w[2]], q[w[7]], q[w[8]], q[w[13]]);
    GB(q[w[3]], q[w[4]], q[w[9]], q[w[14]]);
}

void cargon2id_fill_portable(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                             int xor_out) {
    uint64_t r[CARGON2ID_BLOCK_WORDS], keep[CARGON2ID_BLOCK_WORDS];
    /* R = X xor Y; the result is P(R) xor R, xored into the old block after the first pass. */
    for (int i = 0; i < CARGON2ID_BLOCK_WORDS; i++) {
        r[i] = prev->v[i] ^ ref->v[i];
        keep[i] = xor_out ? r[i] ^ out->v[i] : r[i];
    }
    /* Rows: the block as eight 128-byte registers of 16 words each. */
    for (int row = 0; row < 8; row++) {
        int w[16];
        for (int k = 0; k < 16; k++) w[k] = 16 * row + k;
        permute(r, w);
    }
    /* Columns: the k-th pair of words of every row. */
    for (int col = 0; col < 8; col++) {
        int w[16];
        for (int k = 0; k < 8; k++) {
            w[2 * k] = 2 * col + 16 * k;
            w[2 * k + 1] = 2 * col + 16 * k + 1;
        }
        permute(r, w);
    }
    for (int i = 0; i < CARGON2ID_BLOCK_WORDS; i++) out->v[i] = r[i] ^ keep[i];
}
