/* BLAKE2b as RFC 7693 specifies it (unkeyed; Argon2 needs digests of 1 to 64 bytes, RFC 9106 §3.2). */
#include <string.h>

#include "internal.h"

static const uint64_t iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* RFC 7693 §2.7: the message word schedule; rounds 10 and 11 repeat rounds 0 and 1. */
static const uint8_t sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

#define MIX(a, b, c, d, x, y)                      \
    do {                                           \
        a = a + b + (x);                           \
        d = cargon2id_rotr64(d ^ a, 32);           \
        c = c + d;                                 \
        b = cargon2id_rotr64(b ^ c, 24);           \
        a = a + b + (y);                           \
        d = cargon2id_rotr64(d ^ a, 16);           \
        c = c + d;                                 \
        b = cargon2id_rotr64(b ^ c, 63);           \
    } while (0)

/* RFC 7693 §3.2, function F. */
static void compress(cargon2id_blake2b *state, const uint8_t block[128], int last) {
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = cargon2id_load64(block + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = state->h[i];
        v[i + 8] = iv[i];
    }
    v[12] ^= state->t[0];
    v[13] ^= state->t[1];
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = sigma[r];
        MIX(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
        MIX(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
        MIX(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
        MIX(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
        MIX(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
        MIX(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
        MIX(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
        MIX(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) state->h[i] ^= v[i] ^ v[i + 8];
    cargon2id_wipe(m, sizeof m);
    cargon2id_wipe(v, sizeof v);
}

static void add_to_counter(cargon2id_blake2b *state, uint64_t n) {
    state->t[0] += n;
    if (state->t[0] < n) state->t[1]++;
}

void cargon2id_blake2b_init(cargon2id_blake2b *state, size_t digest_length) {
    memset(state, 0, sizeof *state);
    for (int i = 0; i < 8; i++) state->h[i] = iv[i];
    /* Parameter block: digest length, key length 0, fanout 1, depth 1 (RFC 7693 §2.5). */
    state->h[0] ^= 0x01010000ULL ^ (uint64_t)digest_length;
    state->digest_length = digest_length;
}

void cargon2id_blake2b_update(cargon2id_blake2b *state, const void *data, size_t length) {
    const uint8_t *in = data;
    while (length > 0) {
        /* A full buffer is compressed only once more input arrives: the last block needs the final flag. */
        if (state->buffered == 128) {
            add_to_counter(state, 128);
            compress(state, state->buffer, 0);
            state->buffered = 0;
        }
        size_t take = 128 - state->buffered;
        if (take > length) take = length;
        memcpy(state->buffer + state->buffered, in, take);
        state->buffered += take;
        in += take;
        length -= take;
    }
}

void cargon2id_blake2b_final(cargon2id_blake2b *state, uint8_t *digest) {
    add_to_counter(state, state->buffered);
    memset(state->buffer + state->buffered, 0, 128 - state->buffered);
    compress(state, state->buffer, 1);
    uint8_t full[64];
    for (int i = 0; i < 8; i++) cargon2id_store64(full + 8 * i, state->h[i]);
    memcpy(digest, full, state->digest_length);
    cargon2id_wipe(full, sizeof full);
    cargon2id_wipe(state, sizeof *state);
}
