import Glibc

/// `print(..., to:)` target for file descriptor 1, unbuffered: a line printed is a line a pipe reader sees at once
/// (`gatehouse events tail | …`).
struct StandardOutputStream: TextOutputStream {
    mutating func write(_ string: String) {
        let bytes = Array(string.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}
