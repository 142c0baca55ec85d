#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <spawn.h>

/// prctl is variadic; Swift cannot call it. Asks the kernel to send `sig` when the parent dies.
static inline int cfastcgi_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

#endif
