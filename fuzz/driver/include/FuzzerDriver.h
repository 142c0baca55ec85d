#ifndef GATEHOUSE_FUZZER_DRIVER_H
#define GATEHOUSE_FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, FuzzerDriver.cpp), for a program whose `main` is its own: SwiftPM renames a
/// Swift executable's `main`, so libFuzzer's `main` cannot be used.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
