/*
 * libFuzzer target: CArgon2id against libargon2 (the oracle) on inputs the fuzzer chooses.
 *
 * Input layout: byte 0 → parallelism 1-4; byte 1 → iterations 1-3; bytes 2-3 → memory 8p + 0-767 KiB (past 128 blocks a segment, so a second address block);
 * byte 4 → tag length 4-131; bytes 5-7 → lengths of the salt, secret and associated data (the rest of the
 * input, in that order, then the password). Every path the CPU offers must give libargon2's tag; where
 * libargon2 refuses the inputs (a salt under 8 bytes), CArgon2id must still not crash. Any difference aborts.
 */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CArgon2id.h"

static uint8_t *area;
static size_t area_size;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    uint32_t p = 1 + data[0] % 4, t = 1 + data[1] % 3;
    uint32_t m = 8 * p + (uint32_t)(data[2] | data[3] << 8) % 768;
    size_t tag_length = 4 + data[4] % 128;
    const uint8_t *rest = data + 8;
    size_t left = size - 8;
    size_t lengths[3] = {data[5] % 48, data[6] % 24, data[7] % 24};
    const uint8_t *parts[3];
    for (int i = 0; i < 3; i++) {
        if (lengths[i] > left) lengths[i] = left;
        parts[i] = rest;
        rest += lengths[i];
        left -= lengths[i];
    }

    uint8_t expected[132], tag[132];
    /* libargon2 with one thread: the same tag as with p threads, and quicker to fuzz. */
    argon2_context context = {
        .out = expected, .outlen = (uint32_t)tag_length,
        .pwd = (uint8_t *)rest, .pwdlen = (uint32_t)left,
        .salt = (uint8_t *)parts[0], .saltlen = (uint32_t)lengths[0],
        .secret = (uint8_t *)parts[1], .secretlen = (uint32_t)lengths[1],
        .ad = (uint8_t *)parts[2], .adlen = (uint32_t)lengths[2],
        .t_cost = t, .m_cost = m, .lanes = p, .threads = 1, .version = ARGON2_VERSION_13,
    };
    int reference = argon2_ctx(&context, Argon2_id);

    cargon2id_input input = {rest, left, parts[0], lengths[0], parts[1], lengths[1], parts[2], lengths[2], m, t, p};
    size_t needed = cargon2id_memory_size(m, p);
    if (needed > area_size) {
        free(area);
        area = aligned_alloc(64, needed);
        area_size = needed;
    }
    for (int path = CARGON2ID_PATH_PORTABLE; path <= CARGON2ID_PATH_AVX2; path++) {
        if (!cargon2id_path_available((cargon2id_path)path)) continue;
        int rc = cargon2id_hash(&input, tag, tag_length, area, area_size, (cargon2id_path)path);
        if (reference != ARGON2_OK) continue; /* libargon2's stricter salt minimum; ours only must not crash */
        if (rc != CARGON2ID_OK || memcmp(tag, expected, tag_length) != 0) {
            fprintf(stderr, "MISMATCH on %s: m=%u t=%u p=%u T=%zu rc=%d\n",
                    cargon2id_path_name((cargon2id_path)path), m, t, p, tag_length, rc);
            abort();
        }
        for (size_t i = 0; i < needed; i++)
            if (area[i] != 0) {
                fprintf(stderr, "work area not wiped on %s\n", cargon2id_path_name((cargon2id_path)path));
                abort();
            }
        /* Verify takes tags of up to 64 bytes: the right one matches, one with a flipped bit does not. */
        if (tag_length <= 64) {
            if (cargon2id_verify(&input, expected, tag_length, area, area_size, (cargon2id_path)path) != CARGON2ID_OK)
                abort();
            expected[data[4] % tag_length] ^= 1;
            if (cargon2id_verify(&input, expected, tag_length, area, area_size, (cargon2id_path)path) !=
                CARGON2ID_MISMATCH)
                abort();
            expected[data[4] % tag_length] ^= 1;
        }
    }
    return 0;
}
