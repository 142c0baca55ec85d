/*
 * Argon2id's side-channel property, checked on CArgon2id (built with CARGON2ID_TRACE_REFERENCES): in the
 * first two slices of the first pass, which blocks are read must not depend on the password (RFC 9106
 * §3.4.1.3, data-independent addressing), while after them they do (data-dependent, as Argon2id specifies).
 * Two passwords, same salt and parameters, every path: the traces agree exactly in the first half of pass 0
 * and differ afterwards. Exit status 0 when both hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CArgon2id.h"

#define MAX_TRACE 200000
static uint32_t trace[MAX_TRACE][2];
static uint32_t first_half[MAX_TRACE]; /* 1 where the reference was in pass 0, slice 0 or 1 */
static size_t count;

void cargon2id_trace_reference(uint32_t pass, uint32_t slice, uint32_t lane, uint32_t index, uint32_t ref_lane,
                               uint32_t ref_index) {
    (void)lane, (void)index;
    if (count < MAX_TRACE) {
        trace[count][0] = ref_lane;
        trace[count][1] = ref_index;
        first_half[count] = pass == 0 && slice < 2;
    }
    count++;
}

static size_t run(const char *password, uint32_t m, uint32_t t, uint32_t p, cargon2id_path path, void *area,
                  uint32_t (*out)[2]) {
    uint8_t salt[16] = "somesaltsomesalt", tag[32];
    cargon2id_input input = {(const uint8_t *)password, strlen(password), salt, 16, NULL, 0, NULL, 0, m, t, p};
    count = 0;
    if (cargon2id_hash(&input, tag, sizeof tag, area, cargon2id_memory_size(m, p), path) != CARGON2ID_OK) exit(2);
    memcpy(out, trace, sizeof trace[0] * (count < MAX_TRACE ? count : MAX_TRACE));
    return count;
}

static uint32_t other[MAX_TRACE][2];

int main(void) {
    const uint32_t sets[][3] = {{64, 2, 1}, {1024, 2, 1}, {2048, 3, 4}, {19456, 2, 1}};
    int failures = 0;
    for (int path = CARGON2ID_PATH_PORTABLE; path <= CARGON2ID_PATH_AVX2; path++) {
        if (!cargon2id_path_available((cargon2id_path)path)) continue;
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            uint32_t m = sets[s][0], t = sets[s][1], p = sets[s][2];
            void *area = aligned_alloc(64, cargon2id_memory_size(m, p));
            size_t n = run("password one", m, t, p, (cargon2id_path)path, area, other);
            size_t n2 = run("another password", m, t, p, (cargon2id_path)path, area, trace);
            if (n != n2 || n > MAX_TRACE) {
                fprintf(stderr, "trace lengths differ or overflow\n");
                return 2;
            }
            size_t independent = 0, same_independent = 0, dependent = 0, same_dependent = 0;
            for (size_t i = 0; i < n; i++) {
                int same = trace[i][0] == other[i][0] && trace[i][1] == other[i][1];
                if (first_half[i]) independent++, same_independent += same;
                else dependent++, same_dependent += same;
            }
            int ok = independent > 0 && same_independent == independent && dependent > 0 &&
                     same_dependent < dependent / 2;
            printf("%s m=%u t=%u p=%u: first half %zu of %zu references equal, later %zu of %zu: %s\n",
                   cargon2id_path_name((cargon2id_path)path), m, t, p, same_independent, independent, same_dependent,
                   dependent, ok ? "ok" : "FAILED");
            failures += !ok;
            free(area);
        }
    }
    return failures ? 1 : 0;
}
