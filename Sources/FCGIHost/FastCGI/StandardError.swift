internal import Glibc

/// Writes to file descriptor 2; Glibc's `stderr` cannot be referenced under strict concurrency (FACTS.md).
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = unsafe bytes.withUnsafeMutableBytes { buffer in
                unsafe Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        bytes.removeAll()
    }
}
