/*
 * Raw argon2id hashes for bench/argon2.sh, the implementations taking turns in slots of SLOT seconds (0.5) of
 * the monotonic clock, so that a machine whose speed drifts (shared cores, other work) slows them all alike,
 * and so that one process per core, started together, runs the same implementation at the same time (a
 * multi-threaded one never gets more than its share of the cores from a single-threaded neighbour):
 *   libargon2    Debian's libargon2 (the portable reference build), argon2_ctx with one reused work area, as
 *                Gatehouse called it before CArgon2id;
 *   cargon2id    CArgon2id's fastest path, and each of its paths (portable, sse2, avx2) the CPU offers;
 *   argon2-cffi  the Argon2 that argon2-cffi's PyPI wheel bundles (_ffi.abi3.so, loaded with RTLD_LOCAL so
 *                that its argon2_ctx is not Debian's), called as argon2-cffi calls it: argon2_ctx with a
 *                thread per lane and its own allocation.
 * Usage: argon2_compare SECONDS M T P [ARGON2_CFFI_SO [SLOT]]
 * Prints "RESULT <name> <us> us/op <n> ops", wall-clock time per hash.
 */
#include <argon2.h>
#include <dlfcn.h>
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
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t m, t, p;
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

typedef int (*argon2_ctx_fn)(argon2_context *, argon2_type);
static argon2_ctx_fn cffi_ctx;
static void *area;
static size_t area_size;

static const char *password = "correct horse battery staple";
static uint8_t salt[16], tag[32];

static int hash(int which) {
    salt[0]++;
    argon2_context context = {
        .out = tag, .outlen = 32, .pwd = (uint8_t *)password, .pwdlen = (uint32_t)strlen(password),
        .salt = salt, .saltlen = 16, .t_cost = t, .m_cost = m, .lanes = p, .threads = p,
        .version = ARGON2_VERSION_13, .flags = ARGON2_DEFAULT_FLAGS,
    };
    if (which == 0) {
        context.allocate_cbk = keep_allocate;
        context.free_cbk = keep_free;
        return argon2_ctx(&context, Argon2_id);
    }
    if (which == 5) return cffi_ctx(&context, Argon2_id);
    cargon2id_input input = {(const uint8_t *)password, strlen(password), salt, 16, NULL, 0, NULL, 0, m, t, p};
    return cargon2id_hash(&input, tag, 32, area, area_size, (cargon2id_path)(which == 1 ? 0 : which - 1));
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s SECONDS M T P [ARGON2_CFFI_SO]\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[1]);
    m = (uint32_t)atol(argv[2]), t = (uint32_t)atol(argv[3]), p = (uint32_t)atol(argv[4]);
    if (argc > 5) {
        void *library = dlopen(argv[5], RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
        cffi_ctx = library ? (argon2_ctx_fn)dlsym(library, "argon2_ctx") : NULL;
        if (!cffi_ctx) {
            fprintf(stderr, "cannot load argon2_ctx from %s: %s\n", argv[5], dlerror());
            return 1;
        }
    }
    area_size = cargon2id_memory_size(m, p);
    area = work_area(area_size);
    const char *names[] = {"libargon2", "cargon2id", "portable", "sse2", "avx2", "argon2-cffi"};
    int active[6] = {1, 1, 1, cargon2id_path_available(CARGON2ID_PATH_SSE2),
                     cargon2id_path_available(CARGON2ID_PATH_AVX2), cffi_ctx != NULL};
    double spent[6] = {0};
    long count[6] = {0};
    /* Warm-up, and a check that every implementation gives the same tag for the same salt. */
    uint8_t first[32];
    for (int i = 0; i < 6; i++) {
        if (!active[i]) continue;
        salt[0] = 0;
        if (hash(i) != 0) {
            fprintf(stderr, "%s failed\n", names[i]);
            return 1;
        }
        if (i == 0) memcpy(first, tag, sizeof tag);
        else if (memcmp(first, tag, sizeof tag) != 0) {
            fprintf(stderr, "%s gives another tag than libargon2\n", names[i]);
            return 1;
        }
    }
    int order[6], n = 0;
    for (int i = 0; i < 6; i++)
        if (active[i]) order[n++] = i;
    double slot = argc > 6 ? atof(argv[6]) : 0.5;
    double start = now();
    while (now() - start < seconds) {
        double before = now();
        int i = order[(long)(before / slot) % n];
        if (hash(i) != 0) return 1;
        spent[i] += now() - before;
        count[i]++;
    }
    for (int i = 0; i < 6; i++)
        if (active[i]) printf("RESULT %s %.2f us/op %ld ops\n", names[i], spent[i] / count[i] * 1e6, count[i]);
    return 0;
}
