#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <spawn.h>
#include <stdint.h>

/// prctl is variadic; Swift cannot call it. Asks the kernel to send `sig` when the parent dies.
static inline int cfastcgi_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

/// C11 atomics are builtins Swift cannot reach on raw shared memory: an atomic add on a word other processes see.
static inline uint64_t cfastcgi_atomic_add(uint64_t *word, uint64_t delta) { return __atomic_add_fetch(word, delta, __ATOMIC_SEQ_CST); }
/// The matching atomic load.
static inline uint64_t cfastcgi_atomic_load(uint64_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }

#endif
