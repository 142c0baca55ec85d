extension StringProtocol {
    /// The text without leading and trailing ASCII spaces, tabs, CR and LF; works on UTF-8 bytes, so it costs
    /// nothing like a `Character`-wise trim on a 600-byte bearer token.
    public func trimmingWhitespace() -> String {
        let text = String(self)
        let bytes = text.utf8
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        if first == bytes.startIndex, bytes.index(after: last) == bytes.endIndex { return text }
        return String(text[first...last])
    }
}
