#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/param_build.h>

/// OPENSSL_free is a macro; expose it as a function.
static inline void copenssl_free(void *p) { OPENSSL_free(p); }

/// EVP_PKEY_PUBLIC_KEY is a macro built from other macros; expose its value as a function.
static inline int copenssl_public_key_selection(void) { return EVP_PKEY_PUBLIC_KEY; }

#endif
