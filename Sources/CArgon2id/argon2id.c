/*
 * Argon2id, version 0x13, as RFC 9106 §3 specifies it: H0 (§3.2), the variable-length hash H' (§3.3),
 * memory filling with Argon2id's indexing (§3.4: data-independent addresses in the first two slices of the
 * first pass, data-dependent after), and the final block (§3.2 steps 7-8).
 */
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "CArgon2id.h"
#include "internal.h"

#ifdef CARGON2ID_TRACE_REFERENCES
/* Test builds only (fuzz/access_pattern.c): told of every block reference, to check the access pattern. */
void cargon2id_trace_reference(uint32_t pass, uint32_t slice, uint32_t lane, uint32_t index, uint32_t ref_lane,
                               uint32_t ref_index);
#endif

#define SYNC_POINTS 4                /* slices per pass */
#define ADDRESSES_PER_BLOCK 128      /* J1 || J2 pairs in one address block */
#define ARGON2_VERSION 0x13
#define ARGON2ID_TYPE 2

void cargon2id_wipe(void *memory, size_t length) {
    if (length == 0) return;
    memset(memory, 0, length);
    /* The empty asm that may read the memory keeps the compiler from dropping the memset. */
    __asm__ __volatile__("" : : "r"(memory) : "memory");
}

/* ---- CPU features ---- */

#if defined(__x86_64__) || defined(__i386__)
/* AVX2 needs the CPU flag (CPUID 7.0:EBX bit 5) and the kernel saving the XMM and YMM state (XCR0 bits 1-2). */
static int cpu_reports_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (osxsave | avx)) != (osxsave | avx)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ __volatile__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0;
}

/* Asked once: every hash checks its path, and in a virtual machine each CPUID is a trap to the hypervisor (the
 * three CPUIDs and the XGETBV showed in a profile of logins at argon2's smallest cost). */
static int cpu_has_avx2(void) {
    static volatile int known = -1; /* racing initialisations store the same value */
    if (known < 0) known = cpu_reports_avx2();
    return known;
}

static int cpu_has_sse2(void) {
#if defined(__x86_64__)
    return 1; /* part of the x86-64 baseline */
#else
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (d & (1u << 26));
#endif
}
#endif

int cargon2id_path_available(cargon2id_path path) {
    switch (path) {
    case CARGON2ID_PATH_AUTO:
    case CARGON2ID_PATH_PORTABLE: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case CARGON2ID_PATH_SSE2: return cpu_has_sse2();
    case CARGON2ID_PATH_AVX2: return cpu_has_avx2();
#endif
    default: return 0;
    }
}

cargon2id_path cargon2id_best_path(void) {
    static volatile int best = -1; /* racing initialisations store the same value */
    if (best < 0) {
        cargon2id_path found = CARGON2ID_PATH_PORTABLE;
        if (cargon2id_path_available(CARGON2ID_PATH_AVX2)) found = CARGON2ID_PATH_AVX2;
        else if (cargon2id_path_available(CARGON2ID_PATH_SSE2)) found = CARGON2ID_PATH_SSE2;
        best = (int)found;
    }
    return (cargon2id_path)best;
}

const char *cargon2id_path_name(cargon2id_path path) {
    switch (path) {
    case CARGON2ID_PATH_AUTO: return "auto";
    case CARGON2ID_PATH_PORTABLE: return "portable";
    case CARGON2ID_PATH_SSE2: return "sse2";
    case CARGON2ID_PATH_AVX2: return "avx2";
    default: return "unknown";
    }
}

static cargon2id_fill_fn fill_function(cargon2id_path path) {
    switch (path) {
#if defined(__x86_64__) || defined(__i386__)
    case CARGON2ID_PATH_SSE2: return cargon2id_fill_sse2;
    case CARGON2ID_PATH_AVX2: return cargon2id_fill_avx2;
#endif
    default: return cargon2id_fill_portable;
    }
}

/* ---- Sizes ---- */

/* RFC 9106 §3.2 step 3: m' = 4 * p * floor(m / 4p) blocks; RFC 9106 asks m >= 8p. */
static uint32_t block_count(uint32_t memory_kib, uint32_t parallelism) {
    return (memory_kib / (SYNC_POINTS * parallelism)) * (SYNC_POINTS * parallelism);
}

static int parameters_valid(uint32_t memory_kib, uint32_t iterations, uint32_t parallelism) {
    return parallelism >= 1 && parallelism <= 0xFFFFFF && iterations >= 1 &&
           (uint64_t)memory_kib >= 8 * (uint64_t)parallelism;
}

size_t cargon2id_memory_size(uint32_t memory_kib, uint32_t parallelism) {
    if (!parameters_valid(memory_kib, 1, parallelism)) return 0;
    return (size_t)block_count(memory_kib, parallelism) * CARGON2ID_BLOCK_BYTES;
}

/* ---- H' (RFC 9106 §3.3) ---- */

static void blake2b_le32(cargon2id_blake2b *state, uint32_t value) {
    uint8_t bytes[4];
    cargon2id_store32(bytes, value);
    cargon2id_blake2b_update(state, bytes, sizeof bytes);
}

/* H'^T(head || tail): `out_length` bytes. */
static void hash_prime(uint8_t *out, uint32_t out_length, const uint8_t *head, size_t head_length,
                       const uint8_t *tail, size_t tail_length) {
    cargon2id_blake2b state;
    if (out_length <= 64) {
        cargon2id_blake2b_init(&state, out_length);
        blake2b_le32(&state, out_length);
        cargon2id_blake2b_update(&state, head, head_length);
        cargon2id_blake2b_update(&state, tail, tail_length);
        cargon2id_blake2b_final(&state, out);
        return;
    }
    /* r = ceil(T / 32) - 2 full 64-byte hashes, of which the first 32 bytes are kept, then T - 32r bytes. */
    uint32_t r = (out_length + 31) / 32 - 2;
    uint8_t v[64];
    cargon2id_blake2b_init(&state, 64);
    blake2b_le32(&state, out_length);
    cargon2id_blake2b_update(&state, head, head_length);
    cargon2id_blake2b_update(&state, tail, tail_length);
    cargon2id_blake2b_final(&state, v);
    memcpy(out, v, 32);
    for (uint32_t i = 2; i <= r; i++) {
        cargon2id_blake2b_init(&state, 64);
        cargon2id_blake2b_update(&state, v, 64);
        cargon2id_blake2b_final(&state, v);
        memcpy(out + 32 * (i - 1), v, 32);
    }
    uint32_t last = out_length - 32 * r;
    cargon2id_blake2b_init(&state, last);
    cargon2id_blake2b_update(&state, v, 64);
    cargon2id_blake2b_final(&state, out + 32 * r);
    cargon2id_wipe(v, sizeof v);
}

/* ---- Memory filling (RFC 9106 §3.4) ---- */

typedef struct {
    cargon2id_block *memory;
    uint32_t lanes;
    uint32_t lane_length;    /* q = m' / p */
    uint32_t segment_length; /* q / 4 */
    uint32_t blocks;         /* m' */
    uint32_t passes;
    cargon2id_fill_fn fill;
} instance;

/* The next address block of the data-independent slices: G(0, G(0, Z)) with Z's counter advanced. */
static void next_addresses(const instance *in, cargon2id_block *address, cargon2id_block *input,
                           const cargon2id_block *zero) {
    input->v[6]++;
    in->fill(address, zero, input, 0);
    in->fill(address, zero, address, 0);
}

static void fill_segment(const instance *in, uint32_t pass, uint32_t lane, uint32_t slice) {
    /* Argon2id: data-independent addressing in the first half of the first pass (§3.4.1.3). */
    const int independent = pass == 0 && slice < SYNC_POINTS / 2;
    cargon2id_block address, input, zero;
    if (independent) {
        memset(&zero, 0, sizeof zero);
        memset(&input, 0, sizeof input);
        input.v[0] = pass;
        input.v[1] = lane;
        input.v[2] = slice;
        input.v[3] = in->blocks;
        input.v[4] = in->passes;
        input.v[5] = ARGON2ID_TYPE;
    }
    /* The first two blocks of each lane come from H0 (§3.2 steps 4-5). */
    uint32_t start = (pass == 0 && slice == 0) ? 2 : 0;
    if (independent && start != 0) next_addresses(in, &address, &input, &zero);

    uint32_t offset = lane * in->lane_length + slice * in->segment_length + start;
    uint32_t previous = (offset % in->lane_length == 0) ? offset + in->lane_length - 1 : offset - 1;

    for (uint32_t index = start; index < in->segment_length; index++, offset++) {
        if (offset % in->lane_length == 1) previous = offset - 1;
        uint64_t pseudo_random;
        if (independent) {
            if (index % ADDRESSES_PER_BLOCK == 0) next_addresses(in, &address, &input, &zero);
            pseudo_random = address.v[index % ADDRESSES_PER_BLOCK];
        } else {
            pseudo_random = in->memory[previous].v[0];
        }
        uint32_t j1 = (uint32_t)pseudo_random, j2 = (uint32_t)(pseudo_random >> 32);

        /* §3.4.2: the reference lane; the first slice of the first pass stays in its own lane. */
        uint32_t ref_lane = (pass == 0 && slice == 0) ? lane : j2 % in->lanes;
        int same_lane = ref_lane == lane;

        /* The set W of blocks that may be referenced, counted from its start. */
        uint32_t area;
        if (pass == 0) {
            area = slice * in->segment_length;
            area = same_lane ? area + index - 1 : area - (index == 0 ? 1 : 0);
        } else {
            area = in->lane_length - in->segment_length;
            area = same_lane ? area + index - 1 : area - (index == 0 ? 1 : 0);
        }
        /* §3.4.2's mapping: x = J1^2 / 2^32, y = (|W| * x) / 2^32, zz = |W| - 1 - y. */
        uint64_t x = ((uint64_t)j1 * j1) >> 32;
        uint64_t y = ((uint64_t)area * x) >> 32;
        uint32_t relative = area - 1 - (uint32_t)y;
        uint32_t window_start =
            (pass == 0 || slice == SYNC_POINTS - 1) ? 0 : (slice + 1) * in->segment_length;
        uint32_t ref_index = (uint32_t)(((uint64_t)window_start + relative) % in->lane_length);

#ifdef CARGON2ID_TRACE_REFERENCES
        cargon2id_trace_reference(pass, slice, lane, index, ref_lane, ref_index);
#endif
        const cargon2id_block *ref = &in->memory[(size_t)ref_lane * in->lane_length + ref_index];
        in->fill(&in->memory[offset], &in->memory[previous], ref, pass != 0);
        previous = offset;
    }
    if (independent) {
        cargon2id_wipe(&address, sizeof address);
        cargon2id_wipe(&input, sizeof input);
    }
}

/* ---- The whole hash ---- */

static int length_fits(size_t length) { return (uint64_t)length <= 0xFFFFFFFFu; }

int cargon2id_hash(const cargon2id_input *input, uint8_t *tag, size_t tag_length, void *area, size_t area_size,
                   cargon2id_path path) {
    int result = CARGON2ID_OK;
    if (path == CARGON2ID_PATH_AUTO) path = cargon2id_best_path();
    size_t needed = input ? cargon2id_memory_size(input->memory_kib, input->parallelism) : 0;
    if (!input || !tag || !area || needed == 0 || tag_length < 4 || !length_fits(tag_length) ||
        !parameters_valid(input->memory_kib, input->iterations, input->parallelism) ||
        !length_fits(input->password_length) || !length_fits(input->salt_length) ||
        !length_fits(input->secret_length) || !length_fits(input->associated_data_length) ||
        (input->password_length && !input->password) || (input->salt_length && !input->salt) ||
        (input->secret_length && !input->secret) || (input->associated_data_length && !input->associated_data)) {
        result = CARGON2ID_BAD_PARAMETERS;
    } else if (area_size < needed) {
        result = CARGON2ID_AREA_TOO_SMALL;
    } else if (!cargon2id_path_available(path)) {
        result = CARGON2ID_PATH_UNAVAILABLE;
    }
    if (result != CARGON2ID_OK) {
        if (area) cargon2id_wipe(area, area_size);
        return result;
    }

    instance in;
    in.memory = area;
    in.lanes = input->parallelism;
    in.blocks = block_count(input->memory_kib, input->parallelism);
    in.lane_length = in.blocks / in.lanes;
    in.segment_length = in.lane_length / SYNC_POINTS;
    in.passes = input->iterations;
    in.fill = fill_function(path);

    /* §3.2 step 1: H0 = H^64(p, T, m, t, v, y, |P|, P, |S|, S, |K|, K, |X|, X), lengths as LE32. */
    uint8_t h0[64];
    cargon2id_blake2b state;
    cargon2id_blake2b_init(&state, 64);
    blake2b_le32(&state, input->parallelism);
    blake2b_le32(&state, (uint32_t)tag_length);
    blake2b_le32(&state, input->memory_kib);
    blake2b_le32(&state, input->iterations);
    blake2b_le32(&state, ARGON2_VERSION);
    blake2b_le32(&state, ARGON2ID_TYPE);
    blake2b_le32(&state, (uint32_t)input->password_length);
    cargon2id_blake2b_update(&state, input->password, input->password_length);
    blake2b_le32(&state, (uint32_t)input->salt_length);
    cargon2id_blake2b_update(&state, input->salt, input->salt_length);
    blake2b_le32(&state, (uint32_t)input->secret_length);
    cargon2id_blake2b_update(&state, input->secret, input->secret_length);
    blake2b_le32(&state, (uint32_t)input->associated_data_length);
    cargon2id_blake2b_update(&state, input->associated_data, input->associated_data_length);
    cargon2id_blake2b_final(&state, h0);

    /* Steps 4-5: B[i][0] = H'^1024(H0 || LE32(0) || LE32(i)), B[i][1] likewise with 1. */
    uint8_t bytes[CARGON2ID_BLOCK_BYTES];
    for (uint32_t lane = 0; lane < in.lanes; lane++) {
        for (uint32_t column = 0; column < 2; column++) {
            uint8_t suffix[8];
            cargon2id_store32(suffix, column);
            cargon2id_store32(suffix + 4, lane);
            hash_prime(bytes, CARGON2ID_BLOCK_BYTES, h0, sizeof h0, suffix, sizeof suffix);
            cargon2id_block *block = &in.memory[(size_t)lane * in.lane_length + column];
            for (int w = 0; w < CARGON2ID_BLOCK_WORDS; w++) block->v[w] = cargon2id_load64(bytes + 8 * w);
        }
    }
    cargon2id_wipe(h0, sizeof h0);

    /*
     * Steps 6-7: passes, slices, lanes. Within a slice the lanes are independent (a block never references
     * another lane's current segment), so filling them one after another equals filling them in parallel.
     */
    for (uint32_t pass = 0; pass < in.passes; pass++)
        for (uint32_t slice = 0; slice < SYNC_POINTS; slice++)
            for (uint32_t lane = 0; lane < in.lanes; lane++) fill_segment(&in, pass, lane, slice);

    /* Step 8: C = XOR of each lane's last block; tag = H'^T(C). */
    cargon2id_block final;
    memcpy(&final, &in.memory[in.lane_length - 1], sizeof final);
    for (uint32_t lane = 1; lane < in.lanes; lane++) {
        const cargon2id_block *last = &in.memory[(size_t)lane * in.lane_length + in.lane_length - 1];
        for (int w = 0; w < CARGON2ID_BLOCK_WORDS; w++) final.v[w] ^= last->v[w];
    }
    for (int w = 0; w < CARGON2ID_BLOCK_WORDS; w++) cargon2id_store64(bytes + 8 * w, final.v[w]);
    hash_prime(tag, (uint32_t)tag_length, bytes, sizeof bytes, NULL, 0);

    cargon2id_wipe(bytes, sizeof bytes);
    cargon2id_wipe(&final, sizeof final);
    cargon2id_wipe(area, needed);
    return CARGON2ID_OK;
}

int cargon2id_verify(const cargon2id_input *input, const uint8_t *expected, size_t expected_length, void *area,
                     size_t area_size, cargon2id_path path) {
    uint8_t computed[64];
    if (!expected || expected_length < 4 || expected_length > sizeof computed) {
        if (area) cargon2id_wipe(area, area_size);
        return CARGON2ID_BAD_PARAMETERS;
    }
    int result = cargon2id_hash(input, computed, expected_length, area, area_size, path);
    if (result == CARGON2ID_OK) {
        /* Every byte is compared whatever the earlier ones were; the volatile keeps the loop whole. */
        volatile uint8_t difference = 0;
        for (size_t i = 0; i < expected_length; i++) difference |= computed[i] ^ expected[i];
        result = difference == 0 ? CARGON2ID_OK : CARGON2ID_MISMATCH;
    }
    cargon2id_wipe(computed, sizeof computed);
    return result;
}
