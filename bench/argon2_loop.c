/*
 * Reference loop for bench/crypto.sh, bench/auth.sh and bench/argon2.sh: argon2id hashes (and verifies) in a
 * loop with one implementation, timed in process CPU time like gatehouse-bench, or by the wall clock.
 * Prints one "RESULT c-argon2id-hash|c-argon2id-verify <us> us/op <n> ops" line per operation.
 *
 * Usage: argon2_loop [SECONDS] [cpu|wall] [IMPLEMENTATION] [M T P]
 *   IMPLEMENTATION: libargon2 (default: Debian's reference build; argon2_ctx with one work area kept from
 *   hash to hash, as Gatehouse uses it), or CArgon2id: cargon2id (its fastest path), portable, sse2, avx2.
 *   M T P: argon2id memory (KiB), passes and lanes; default Gatehouse's 19456 2 1. 16-byte salt, 32-byte tag.
 * With "wall", time is wall-clock time (CLOCK_MONOTONIC) and only the hash loop runs: the reference for a
 * throughput measured by the clock on the wall, such as logins per second (bench/auth.sh), which a shared
 * machine's stolen time slows as well.
 */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "CArgon2id.h"


/* Work areas as Gatehouse allocates them (Argon2Memory.newArea): from 2 MiB on, 2 MiB aligned and backed by
 * transparent huge pages where the kernel grants them. */
static void *work_area(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge) return aligned_alloc(64, (bytes + 63) / 64 * 64);
    size_t size = (bytes + huge - 1) / huge * huge;
    void *area = aligned_alloc(huge, size);
    if (area) madvise(area, size, MADV_HUGEPAGE);
    return area;
}
static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(clock_id, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* libargon2's allocate_cbk/free_cbk: one area, kept. */
static uint8_t *kept;
static size_t kept_size;
static int keep_allocate(uint8_t **memory, size_t bytes) {
    if (bytes > kept_size) {
        free(kept);
        kept = work_area(bytes);
        kept_size = bytes;
    }
    *memory = kept;
    return kept ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}
static void keep_free(uint8_t *memory, size_t bytes) { (void)memory, (void)bytes; }

static int path = -1; /* -1: libargon2; else a cargon2id_path */
static uint32_t m = 19456, t = 2, p = 1;
static void *area;
static size_t area_size;

static int hash(const char *password, const uint8_t *salt, uint8_t *tag) {
    if (path < 0) {
        argon2_context context = {
            .out = tag, .outlen = 32, .pwd = (uint8_t *)password, .pwdlen = (uint32_t)strlen(password),
            .salt = (uint8_t *)salt, .saltlen = 16, .t_cost = t, .m_cost = m, .lanes = p, .threads = p,
            .version = ARGON2_VERSION_13, .allocate_cbk = keep_allocate, .free_cbk = keep_free,
            .flags = ARGON2_DEFAULT_FLAGS,
        };
        return argon2_ctx(&context, Argon2_id);
    }
    cargon2id_input input = {(const uint8_t *)password, strlen(password), salt, 16, NULL, 0, NULL, 0, m, t, p};
    return cargon2id_hash(&input, tag, 32, area, area_size, (cargon2id_path)path);
}

static int verify(const char *password, const uint8_t *salt, const uint8_t *expected) {
    if (path < 0) {
        uint8_t tag[32];
        argon2_context context = {
            .out = tag, .outlen = 32, .pwd = (uint8_t *)password, .pwdlen = (uint32_t)strlen(password),
            .salt = (uint8_t *)salt, .saltlen = 16, .t_cost = t, .m_cost = m, .lanes = p, .threads = p,
            .version = ARGON2_VERSION_13, .allocate_cbk = keep_allocate, .free_cbk = keep_free,
            .flags = ARGON2_DEFAULT_FLAGS,
        };
        return argon2_verify_ctx(&context, (const char *)expected, Argon2_id);
    }
    cargon2id_input input = {(const uint8_t *)password, strlen(password), salt, 16, NULL, 0, NULL, 0, m, t, p};
    return cargon2id_verify(&input, expected, 32, area, area_size, (cargon2id_path)path);
}

int main(int argc, char **argv) {
    const double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (argc > 2 && strcmp(argv[2], "wall") == 0) clock_id = CLOCK_MONOTONIC;
    if (argc > 3 && strcmp(argv[3], "libargon2") != 0) {
        const char *names[] = {"cargon2id", "portable", "sse2", "avx2"};
        for (int i = 0; i < 4; i++)
            if (strcmp(argv[3], names[i]) == 0) path = i;
        if (path < 0) {
            fprintf(stderr, "unknown implementation %s\n", argv[3]);
            return 2;
        }
        if (path == CARGON2ID_PATH_AUTO) path = cargon2id_best_path();
    }
    if (argc > 6) m = (uint32_t)atol(argv[4]), t = (uint32_t)atol(argv[5]), p = (uint32_t)atol(argv[6]);
    if (path >= 0) {
        if (!cargon2id_path_available((cargon2id_path)path)) {
            fprintf(stderr, "%s is not available on this CPU\n", argv[3]);
            return 2;
        }
        area_size = cargon2id_memory_size(m, p);
        area = work_area(area_size);
    }
    const char *password = "correct horse battery staple";
    uint8_t salt[16], tag[32];
    for (size_t i = 0; i < sizeof salt; i++) salt[i] = (uint8_t)(i * 37 + 11);

    int rc = hash(password, salt, tag);
    if (rc != 0) {
        fprintf(stderr, "hash failed: %d\n", rc);
        return 1;
    }

    long count = 0;
    double start = seconds_now(), elapsed = 0;
    while (elapsed < seconds) {
        salt[0]++;
        if (hash(password, salt, tag) != 0) return 1;
        count++;
        elapsed = seconds_now() - start;
    }
    printf("RESULT c-argon2id-hash %.2f us/op %ld ops\n", elapsed / count * 1e6, count);
    if (clock_id == CLOCK_MONOTONIC) return 0;

    count = 0;
    start = seconds_now();
    elapsed = 0;
    while (elapsed < seconds) {
        if (verify(password, salt, tag) != 0) return 1;
        count++;
        elapsed = seconds_now() - start;
    }
    printf("RESULT c-argon2id-verify %.2f us/op %ld ops\n", elapsed / count * 1e6, count);
    return 0;
}
