#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error (fd 2: the C `stderr` global is off limits under strict concurrency).
func printError(_ message: String) {
    let line = message + "\n"
    _ = write(2, line, line.utf8.count)
}

/// CPU time used by this process, in seconds (what `openssl speed` counts too, rather than wall time).
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
