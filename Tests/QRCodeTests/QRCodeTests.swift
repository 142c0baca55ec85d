import QRCode
import Testing

@Suite("QR codes from libqrencode")
struct QRCodeTests {
    @Test("A short text is a version 1 code: 21 modules with the three finder patterns")
    func versionOne() throws {
        let matrix = try QRMatrix(encoding: "hello")
        #expect(matrix.size == 21)
        // Finder pattern (ISO/IEC 18004 §6.3.3): a dark 7×7 ring, a light ring, a dark 3×3 centre, at three corners.
        for (top, left) in [(0, 0), (0, 14), (14, 0)] {
            for row in 0..<7 {
                for column in 0..<7 {
                    let ring = row == 0 || row == 6 || column == 0 || column == 6
                    let centre = (2...4).contains(row) && (2...4).contains(column)
                    #expect(matrix[top + row, left + column] == (ring || centre))
                }
            }
        }
        // Timing patterns alternate between the finders (row 6 and column 6).
        for index in 8...12 {
            #expect(matrix[6, index] == (index % 2 == 0))
            #expect(matrix[index, 6] == (index % 2 == 0))
        }
    }

    @Test("An otpauth URI grows the version in steps of four modules")
    func larger() throws {
        let uri = "otpauth://totp/Gatehouse:john%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Gatehouse"
        let matrix = try QRMatrix(encoding: uri)
        #expect(matrix.size > 21 && (matrix.size - 17) % 4 == 0)
    }

    @Test("Too much data is an error, not a crash")
    func tooLong() {
        #expect(throws: QRCodeError.self) { try QRMatrix(encoding: String(repeating: "x", count: 5000)) }
    }
}
