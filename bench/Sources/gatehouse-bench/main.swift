// Wiring only: everything lives in functions in the other files (FACTS.md: keep main.swift to a call).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

exit(runGatehouseBench(Array(CommandLine.arguments.dropFirst())))
