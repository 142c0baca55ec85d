/*
 * The compression function G of RFC 9106 §3.5-3.6 in SSE2 and AVX2 registers. Each function carries its own
 * target attribute, so this file builds with the default x86-64 flags and the AVX2 code only ever runs
 * after argon2id.c has checked the CPU (and the kernel's saving of the YMM registers).
 */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "internal.h"

/* ---- SSE2: two 64-bit words per register, a block in 64 registers. ---- */

#define SSE2_TARGET __attribute__((target("sse2")))

SSE2_TARGET static inline __m128i sse2_blamka(__m128i a, __m128i b) {
    /* _mm_mul_epu32 multiplies the low 32 bits of each 64-bit lane into a 64-bit product. */
    __m128i product = _mm_mul_epu32(a, b);
    return _mm_add_epi64(_mm_add_epi64(a, b), _mm_add_epi64(product, product));
}

SSE2_TARGET static inline __m128i sse2_rotr32(__m128i x) { return _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)); }
SSE2_TARGET static inline __m128i sse2_rotr24(__m128i x) {
    return _mm_or_si128(_mm_srli_epi64(x, 24), _mm_slli_epi64(x, 40));
}
SSE2_TARGET static inline __m128i sse2_rotr16(__m128i x) {
    return _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, _MM_SHUFFLE(0, 3, 2, 1)), _MM_SHUFFLE(0, 3, 2, 1));
}
SSE2_TARGET static inline __m128i sse2_rotr63(__m128i x) {
    return _mm_xor_si128(_mm_srli_epi64(x, 63), _mm_add_epi64(x, x));
}

#define SSE2_G(a, b, c, d)                               \
    do {                                                 \
        a = sse2_blamka(a, b);                           \
        d = sse2_rotr32(_mm_xor_si128(d, a));            \
        c = sse2_blamka(c, d);                           \
        b = sse2_rotr24(_mm_xor_si128(b, c));            \
        a = sse2_blamka(a, b);                           \
        d = sse2_rotr16(_mm_xor_si128(d, a));            \
        c = sse2_blamka(c, d);                           \
        b = sse2_rotr63(_mm_xor_si128(b, c));            \
    } while (0)

/* (x[1], y[0]): the two halves that become neighbours when a row of four words turns by one. */
SSE2_TARGET static inline __m128i sse2_join(__m128i x, __m128i y) {
    return _mm_castpd_si128(_mm_shuffle_pd(_mm_castsi128_pd(x), _mm_castsi128_pd(y), 1));
}

/*
 * P on 16 words held as a0 = (v0, v1), a1 = (v2, v3), b0 = (v4, v5), ..., d1 = (v14, v15). The column step
 * mixes (v0, v4, v8, v12) … (v3, v7, v11, v15); for the diagonal step b turns by one word, c by two, d by
 * three, so the same two G calls mix (v0, v5, v10, v15) … (v3, v4, v9, v14); then everything turns back.
 */
SSE2_TARGET static inline void sse2_permute(__m128i *a0, __m128i *a1, __m128i *b0, __m128i *b1, __m128i *c0,
                                            __m128i *c1, __m128i *d0, __m128i *d1) {
    SSE2_G(*a0, *b0, *c0, *d0);
    SSE2_G(*a1, *b1, *c1, *d1);
    __m128i t0 = sse2_join(*b0, *b1), t1 = sse2_join(*b1, *b0);
    *b0 = t0, *b1 = t1;
    t0 = *c0, *c0 = *c1, *c1 = t0;
    t0 = sse2_join(*d1, *d0), t1 = sse2_join(*d0, *d1);
    *d0 = t0, *d1 = t1;
    SSE2_G(*a0, *b0, *c0, *d0);
    SSE2_G(*a1, *b1, *c1, *d1);
    t0 = sse2_join(*b1, *b0), t1 = sse2_join(*b0, *b1);
    *b0 = t0, *b1 = t1;
    t0 = *c0, *c0 = *c1, *c1 = t0;
    t0 = sse2_join(*d0, *d1), t1 = sse2_join(*d1, *d0);
    *d0 = t0, *d1 = t1;
}

SSE2_TARGET void cargon2id_fill_sse2(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                                     int xor_out) {
    __m128i r[64], keep[64];
    const __m128i *x = (const __m128i *)prev->v, *y = (const __m128i *)ref->v;
    __m128i *o = (__m128i *)out->v;
    for (int i = 0; i < 64; i++) {
        r[i] = _mm_xor_si128(_mm_load_si128(x + i), _mm_load_si128(y + i));
        keep[i] = xor_out ? _mm_xor_si128(r[i], _mm_load_si128(o + i)) : r[i];
    }
    /* Rows: words 16i … 16i + 15 are registers 8i … 8i + 7. */
    for (int i = 0; i < 8; i++) {
        __m128i *q = r + 8 * i;
        sse2_permute(&q[0], &q[1], &q[2], &q[3], &q[4], &q[5], &q[6], &q[7]);
    }
    /* Columns: words (2i, 2i + 1), (2i + 16, 2i + 17), … are registers i, i + 8, …, i + 56. */
    for (int i = 0; i < 8; i++) {
        sse2_permute(&r[i], &r[i + 8], &r[i + 16], &r[i + 24], &r[i + 32], &r[i + 40], &r[i + 48], &r[i + 56]);
    }
    for (int i = 0; i < 64; i++) _mm_store_si128(o + i, _mm_xor_si128(r[i], keep[i]));
}

/* ---- AVX2: four 64-bit words per register, a block in 32 registers. ---- */

#define AVX2_TARGET __attribute__((target("avx2")))

AVX2_TARGET static inline __m256i avx2_blamka(__m256i a, __m256i b) {
    __m256i product = _mm256_mul_epu32(a, b);
    return _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(product, product));
}

AVX2_TARGET static inline __m256i avx2_rotr32(__m256i x) {
    return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1));
}
AVX2_TARGET static inline __m256i avx2_rotr24(__m256i x) {
    const __m256i bytes = _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, 6, 7, 0,
                                           1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
    return _mm256_shuffle_epi8(x, bytes);
}
AVX2_TARGET static inline __m256i avx2_rotr16(__m256i x) {
    const __m256i bytes = _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, 5, 6, 7,
                                           0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
    return _mm256_shuffle_epi8(x, bytes);
}
AVX2_TARGET static inline __m256i avx2_rotr63(__m256i x) {
    return _mm256_xor_si256(_mm256_srli_epi64(x, 63), _mm256_add_epi64(x, x));
}

#define AVX2_G(a, b, c, d)                               \
    do {                                                 \
        a = avx2_blamka(a, b);                           \
        d = avx2_rotr32(_mm256_xor_si256(d, a));         \
        c = avx2_blamka(c, d);                           \
        b = avx2_rotr24(_mm256_xor_si256(b, c));         \
        a = avx2_blamka(a, b);                           \
        d = avx2_rotr16(_mm256_xor_si256(d, a));         \
        c = avx2_blamka(c, d);                           \
        b = avx2_rotr63(_mm256_xor_si256(b, c));         \
    } while (0)

/*
 * Two independent P's at once (for instruction-level parallelism), each on 16 words held as a = (v0 … v3),
 * b = (v4 … v7), c = (v8 … v11), d = (v12 … v15): the column step, then b, c, d turned left by one, two and
 * three words for the diagonal step, then turned back.
 */
AVX2_TARGET static inline void avx2_permute2(__m256i *a, __m256i *b, __m256i *c, __m256i *d, __m256i *e,
                                             __m256i *f, __m256i *g, __m256i *h) {
    AVX2_G(*a, *b, *c, *d);
    AVX2_G(*e, *f, *g, *h);
    *b = _mm256_permute4x64_epi64(*b, _MM_SHUFFLE(0, 3, 2, 1));
    *c = _mm256_permute4x64_epi64(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm256_permute4x64_epi64(*d, _MM_SHUFFLE(2, 1, 0, 3));
    *f = _mm256_permute4x64_epi64(*f, _MM_SHUFFLE(0, 3, 2, 1));
    *g = _mm256_permute4x64_epi64(*g, _MM_SHUFFLE(1, 0, 3, 2));
    *h = _mm256_permute4x64_epi64(*h, _MM_SHUFFLE(2, 1, 0, 3));
    AVX2_G(*a, *b, *c, *d);
    AVX2_G(*e, *f, *g, *h);
    *b = _mm256_permute4x64_epi64(*b, _MM_SHUFFLE(2, 1, 0, 3));
    *c = _mm256_permute4x64_epi64(*c, _MM_SHUFFLE(1, 0, 3, 2));
    *d = _mm256_permute4x64_epi64(*d, _MM_SHUFFLE(0, 3, 2, 1));
    *f = _mm256_permute4x64_epi64(*f, _MM_SHUFFLE(2, 1, 0, 3));
    *g = _mm256_permute4x64_epi64(*g, _MM_SHUFFLE(1, 0, 3, 2));
    *h = _mm256_permute4x64_epi64(*h, _MM_SHUFFLE(0, 3, 2, 1));
}

/* (x's low half, y's low half) and (x's high half, y's high half). */
#define AVX2_LOWS(x, y) _mm256_permute2x128_si256(x, y, 0x20)
#define AVX2_HIGHS(x, y) _mm256_permute2x128_si256(x, y, 0x31)

AVX2_TARGET void cargon2id_fill_avx2(cargon2id_block *out, const cargon2id_block *prev, const cargon2id_block *ref,
                                     int xor_out) {
    __m256i r[32], keep[32];
    const __m256i *x = (const __m256i *)prev->v, *y = (const __m256i *)ref->v;
    __m256i *o = (__m256i *)out->v;
    for (int i = 0; i < 32; i++) {
        r[i] = _mm256_xor_si256(_mm256_loadu_si256(x + i), _mm256_loadu_si256(y + i));
        keep[i] = xor_out ? _mm256_xor_si256(r[i], _mm256_loadu_si256(o + i)) : r[i];
    }
    /* Rows: words 16i … 16i + 15 are registers 4i … 4i + 3; two rows at a time. */
    for (int i = 0; i < 8; i += 2) {
        __m256i *q = r + 4 * i;
        avx2_permute2(&q[0], &q[1], &q[2], &q[3], &q[4], &q[5], &q[6], &q[7]);
    }
    /*
     * Columns 2j and 2j + 1 together: row k holds their word pairs in register 4k + j (column 2j in the low
     * half, 2j + 1 in the high half). Gather each column's 16 words into four registers, mix, scatter back.
     */
    for (int j = 0; j < 4; j++) {
        __m256i *q0 = r + j;
        __m256i a = AVX2_LOWS(q0[0], q0[4]), b = AVX2_LOWS(q0[8], q0[12]);
        __m256i c = AVX2_LOWS(q0[16], q0[20]), d = AVX2_LOWS(q0[24], q0[28]);
        __m256i e = AVX2_HIGHS(q0[0], q0[4]), f = AVX2_HIGHS(q0[8], q0[12]);
        __m256i g = AVX2_HIGHS(q0[16], q0[20]), h = AVX2_HIGHS(q0[24], q0[28]);
        avx2_permute2(&a, &b, &c, &d, &e, &f, &g, &h);
        q0[0] = AVX2_LOWS(a, e), q0[4] = AVX2_HIGHS(a, e);
        q0[8] = AVX2_LOWS(b, f), q0[12] = AVX2_HIGHS(b, f);
        q0[16] = AVX2_LOWS(c, g), q0[20] = AVX2_HIGHS(c, g);
        q0[24] = AVX2_LOWS(d, h), q0[28] = AVX2_HIGHS(d, h);
    }
    for (int i = 0; i < 32; i++) _mm256_storeu_si256(o + i, _mm256_xor_si256(r[i], keep[i]));
}
#endif
