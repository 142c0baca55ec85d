/*
 * Reference loop for bench/crypto.sh: libargon2 argon2id hash and verify with Gatehouse's parameters
 * (m=19456 KiB, t=2, p=1, 16-byte salt, 32-byte tag), timed in process CPU time like gatehouse-bench.
 * Prints one "RESULT c-argon2id-hash|c-argon2id-verify <us> us/op <n> ops" line per operation.
 * Usage: argon2_loop [SECONDS] [wall]
 * With "wall", time is wall-clock time (CLOCK_MONOTONIC) and only the hash loop runs: the reference for a
 * throughput measured by the clock on the wall, such as logins per second (bench/auth.sh), which a shared
 * machine's stolen time slows as well.
 */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double cpu_seconds(void) {
    struct timespec now;
    clock_gettime(clock_id, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (argc > 2 && strcmp(argv[2], "wall") == 0) clock_id = CLOCK_MONOTONIC;
    const char *password = "correct horse battery staple";
    const uint32_t m = 19456, t = 2, p = 1;
    uint8_t salt[16];
    char encoded[128];
    for (size_t i = 0; i < sizeof salt; i++) salt[i] = (uint8_t)(i * 37 + 11);

    int rc = argon2id_hash_encoded(t, m, p, password, strlen(password), salt, sizeof salt, 32, encoded, sizeof encoded);
    if (rc != ARGON2_OK) {
        fprintf(stderr, "argon2id_hash_encoded: %s\n", argon2_error_message(rc));
        return 1;
    }

    long count = 0;
    double start = cpu_seconds(), elapsed = 0;
    while (elapsed < seconds) {
        salt[0]++;
        rc = argon2id_hash_encoded(t, m, p, password, strlen(password), salt, sizeof salt, 32, encoded, sizeof encoded);
        if (rc != ARGON2_OK) return 1;
        count++;
        elapsed = cpu_seconds() - start;
    }
    printf("RESULT c-argon2id-hash %.2f us/op %ld ops\n", elapsed / count * 1e6, count);
    if (clock_id == CLOCK_MONOTONIC) return 0;

    count = 0;
    start = cpu_seconds();
    elapsed = 0;
    while (elapsed < seconds) {
        if (argon2id_verify(encoded, password, strlen(password)) != ARGON2_OK) return 1;
        count++;
        elapsed = cpu_seconds() - start;
    }
    printf("RESULT c-argon2id-verify %.2f us/op %ld ops\n", elapsed / count * 1e6, count);
    return 0;
}
