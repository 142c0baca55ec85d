internal import CQRencode
#if canImport(Glibc)
internal import Glibc
#endif

/// The modules of a QR code for some text, from libqrencode: `size × size` booleans, row by row, dark = true.
/// The quiet zone is not included.
public struct QRMatrix: Sendable, Equatable {
    public let size: Int
    /// Row-major, `size * size` entries.
    public let modules: [Bool]

    /// Encodes `text` as 8-bit data at error-correction level M, in the smallest version that holds it.
    /// - Throws: ``QRCodeError/encodingFailed(errno:)`` when libqrencode refuses (text over ~2 KB at level M).
    public init(encoding text: String) throws(QRCodeError) {
        // QRcode_encodeString8bit: "version 0 = auto"; the returned QRcode's `data` is width*width bytes whose
        // least significant bit is 1 for a dark module (qrencode.h, struct QRcode).
        let encoded = unsafe text.withCString { unsafe QRcode_encodeString8bit($0, 0, QR_ECLEVEL_M) }
        guard let code = unsafe encoded else { throw .encodingFailed(errno: Int(errno)) }
        defer { unsafe QRcode_free(code) }
        let width = Int(unsafe code.pointee.width)
        var modules = [Bool](repeating: false, count: width * width)
        for index in 0..<(width * width) {
            modules[index] = unsafe code.pointee.data[index] & 1 == 1
        }
        size = width
        self.modules = modules
    }

    /// Whether the module at `row`, `column` is dark.
    public subscript(row: Int, column: Int) -> Bool { modules[row * size + column] }
}
