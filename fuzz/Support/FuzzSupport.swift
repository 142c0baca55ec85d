#if canImport(Glibc)
import Glibc
#endif

/// What a fuzz target runs on each input.
nonisolated(unsafe) private var body: ([UInt8]) -> Void = { _ in }

/// Runs libFuzzer with `test` as the code under test and exits with libFuzzer's status; each target's
/// `main.swift` calls this once. Built only with `-sanitize=fuzzer` (libFuzzer's own `main` is replaced by the
/// executable's, which hands the command line over with `LLVMFuzzerRunDriver`).
public func runFuzzer(_ test: @escaping ([UInt8]) -> Void) -> Never {
    body = test
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    body(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Splits an input into `count` parts at NUL bytes (the last part takes the rest), for targets that need
/// several strings from one input.
public func parts(of bytes: [UInt8], count: Int) -> [[UInt8]] {
    var result = bytes.split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false).map { Array($0) }
    while result.count < count { result.append([]) }
    return result
}

/// Input bytes as a string (invalid UTF-8 repaired, as the FastCGI reader and the body decoder do).
public func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
