/*
 * Gatehouse's own Argon2id (RFC 9106, version 0x13), with SSE2 and AVX2 block compression chosen at run
 * time by CPU feature and a portable path as the fallback.
 *
 * One call hashes in one thread: lanes are filled one after another inside each slice, which gives the same
 * result as filling them in parallel (RFC 9106 §3.4: within a slice no lane reads another lane's current
 * segment). The caller lends the work area, so a process can keep one area from hash to hash; it is wiped
 * before the call returns. libargon2 remains the library for argon2i, version 0x10 and anything else this
 * code does not take.
 */
#ifndef CARGON2ID_H
#define CARGON2ID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The block compression implementations. */
typedef enum {
    /** The fastest path the CPU offers. */
    CARGON2ID_PATH_AUTO = 0,
    /** Plain C on 64-bit words; every CPU. */
    CARGON2ID_PATH_PORTABLE = 1,
    /** 128-bit SSE2 registers (every x86-64 CPU). */
    CARGON2ID_PATH_SSE2 = 2,
    /** 256-bit AVX2 registers, when the CPU and the kernel support them. */
    CARGON2ID_PATH_AVX2 = 3,
} cargon2id_path;

/* Results; 0 is success. (Macros rather than an enum, so that Swift sees them as Int32 like the returns.) */
#define CARGON2ID_OK 0
/* A parameter is outside RFC 9106's ranges (or a length does not fit in 32 bits). */
#define CARGON2ID_BAD_PARAMETERS (-1)
/* The work area is smaller than cargon2id_memory_size says. */
#define CARGON2ID_AREA_TOO_SMALL (-2)
/* The requested path is not available on this CPU. */
#define CARGON2ID_PATH_UNAVAILABLE (-3)
/* cargon2id_verify only: the tag differs. */
#define CARGON2ID_MISMATCH (-4)

/** The inputs of one Argon2id hash (RFC 9106 §3.1): P, S, K, X, and the cost parameters m, t, p. */
typedef struct {
    const uint8_t *password;
    size_t password_length;
    const uint8_t *salt;
    size_t salt_length;
    const uint8_t *secret;
    size_t secret_length;
    const uint8_t *associated_data;
    size_t associated_data_length;
    /** m: memory in KiB, at least 8 × parallelism. */
    uint32_t memory_kib;
    /** t: passes, at least 1. */
    uint32_t iterations;
    /** p: lanes, 1 to 2^24 - 1. */
    uint32_t parallelism;
} cargon2id_input;

/** True when the CPU can run `path` (AUTO and PORTABLE always). */
int cargon2id_path_available(cargon2id_path path);

/** The path AUTO resolves to on this CPU. */
cargon2id_path cargon2id_best_path(void);

/** Bytes of work area a hash with these parameters needs (m' × 1024, RFC 9106 §3.2 step 3); 0 if invalid. */
size_t cargon2id_memory_size(uint32_t memory_kib, uint32_t parallelism);

/**
 * Computes the Argon2id tag of `input` into `tag` (`tag_length` bytes, 4 to 2^32 - 1) using `area`
 * (`area_size` bytes, 64-byte aligned preferred, at least cargon2id_memory_size). The area is wiped before
 * returning, whatever the result.
 */
int cargon2id_hash(const cargon2id_input *input, uint8_t *tag, size_t tag_length, void *area, size_t area_size,
                   cargon2id_path path);

/**
 * Computes the tag and compares it with `expected` in constant time: CARGON2ID_OK when equal,
 * CARGON2ID_MISMATCH when not, another code on error. The computed tag is wiped.
 */
int cargon2id_verify(const cargon2id_input *input, const uint8_t *expected, size_t expected_length, void *area,
                     size_t area_size, cargon2id_path path);

/** A constant string naming `path`, for logs and benchmarks. */
const char *cargon2id_path_name(cargon2id_path path);

#ifdef __cplusplus
}
#endif
#endif
