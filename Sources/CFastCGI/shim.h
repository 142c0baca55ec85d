#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <spawn.h>
#include <stdint.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <malloc.h>

/// prctl is variadic; Swift cannot call it. Asks the kernel to send `sig` when the parent dies.
static inline int cfastcgi_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

/// C11 atomics are builtins Swift cannot reach on raw shared memory: an atomic add on a word other processes see.
static inline uint64_t cfastcgi_atomic_add(uint64_t *word, uint64_t delta) { return __atomic_add_fetch(word, delta, __ATOMIC_SEQ_CST); }
/// The matching atomic load.
static inline uint64_t cfastcgi_atomic_load(uint64_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }

/// Compare-and-swap on a shared word: true when `word` held `expected` and now holds `desired`.
static inline bool cfastcgi_atomic_cas(uint64_t *word, uint64_t expected, uint64_t desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
/// The matching atomic store.
static inline void cfastcgi_atomic_store(uint64_t *word, uint64_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }

/// Sleeps while the low 32 bits of `word` (a shared mapping, so not FUTEX_PRIVATE) equal `expected`, at most
/// `timeout_ms`; syscall(2) is variadic. Returns 0 when woken, -1 with errno (EAGAIN, ETIMEDOUT, EINTR).
static inline long cfastcgi_futex_wait(uint64_t *word, uint32_t expected, long timeout_ms) {
    struct timespec timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
    return syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, &timeout, NULL, 0);
}
/// Wakes up to `count` processes sleeping on `word`.
static inline long cfastcgi_futex_wake(uint64_t *word, int count) {
    return syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, count, NULL, NULL, 0);
}

/// The calling thread's CPU affinity (sched_getaffinity(2), through syscall(2): the glibc wrapper's cpu_set_t and
/// CPU_* macros need _GNU_SOURCE). A mask of 1,024 CPUs. Fills `cpus` with up to `capacity` allowed CPU numbers in
/// ascending order; returns how many, or -1.
static inline int cfastcgi_allowed_cpus(int *cpus, int capacity) {
    unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {0};
    if (syscall(SYS_sched_getaffinity, 0, sizeof mask, mask) < 0) return -1;
    int found = 0;
    for (int cpu = 0; cpu < 1024 && found < capacity; cpu++) {
        if (mask[cpu / (8 * sizeof(unsigned long))] & (1UL << (cpu % (8 * sizeof(unsigned long))))) cpus[found++] = cpu;
    }
    return found;
}
/// Lets the calling thread run on the `count` CPUs in `cpus` only (sched_setaffinity(2)); 0, or -1 with errno.
static inline int cfastcgi_set_cpus(const int *cpus, int count) {
    unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {0};
    for (int i = 0; i < count; i++) {
        if (cpus[i] >= 0 && cpus[i] < 1024)
            mask[cpus[i] / (8 * sizeof(unsigned long))] |= 1UL << (cpus[i] % (8 * sizeof(unsigned long)));
    }
    return (int)syscall(SYS_sched_setaffinity, 0, sizeof mask, mask);
}
#endif
