/* Shared between the files of CArgon2id; not part of the public header. */
#ifndef CARGON2ID_INTERNAL_H
#define CARGON2ID_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* RFC 9106 §3.2: a block is 1024 bytes, 128 64-bit words. */
#define CARGON2ID_BLOCK_WORDS 128
#define CARGON2ID_BLOCK_BYTES 1024

typedef struct {
    uint64_t v[CARGON2ID_BLOCK_WORDS];
} __attribute__((aligned(64))) cargon2id_block;

/*
 * One compression path: out = G(prev, ref), or G(prev, ref) XOR out when `xor_out` is set (passes after
 * the first, version 0x13). `out` may be `ref` (address blocks are made that way); `prev` is never `out`.
 */
typedef void (*cargon2id_fill_fn)(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                                  int xor_out);

void cargon2id_fill_portable(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                             int xor_out);
#if defined(__x86_64__) || defined(__i386__)
void cargon2id_fill_sse2(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                         int xor_out);
void cargon2id_fill_avx2(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                         int xor_out);
#endif

/* BLAKE2b (RFC 7693), unkeyed, digest length 1 to 64 bytes. */
typedef struct {
    uint64_t h[8];
    uint64_t t[2];
    uint8_t buffer[128];
    size_t buffered;
    size_t digest_length;
} cargon2id_blake2b;

void cargon2id_blake2b_init(cargon2id_blake2b *state, size_t digest_length);
void cargon2id_blake2b_update(cargon2id_blake2b *state, const void *data, size_t length);
void cargon2id_blake2b_final(cargon2id_blake2b *state, uint8_t *digest);

/* Writes zeros the compiler may not remove. */
void cargon2id_wipe(void *memory, size_t length);

static inline uint64_t cargon2id_load64(const uint8_t *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void cargon2id_store64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void cargon2id_store32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t cargon2id_rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

#endif
