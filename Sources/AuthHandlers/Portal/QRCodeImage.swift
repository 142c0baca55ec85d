import QRCode

/// A QR code as an inline SVG image for a portal page: one `<path>` of unit squares with a four-module quiet zone,
/// black on white, written through ``HTML`` like everything else on the page (no script, style or external
/// reference, so it sits under the strict CSP). The matrix comes from libqrencode (``QRMatrix``).
///
/// ```swift
/// let image = try QRCodeImage.svg(for: otpauthURI, label: "QR code of your authenticator secret")
/// ```
package enum QRCodeImage {
    package static func svg(for text: String, label: String, pixelsPerModule: Int = 5) throws -> HTML {
        let matrix = try QRMatrix(encoding: text)
        let quiet = 4
        let side = matrix.size + 2 * quiet
        var path = ""
        for row in 0..<matrix.size {
            var column = 0
            while column < matrix.size {
                guard matrix[row, column] else {
                    column += 1
                    continue
                }
                var run = 1
                while column + run < matrix.size, matrix[row, column + run] { run += 1 }
                path += "M\(column + quiet) \(row + quiet)h\(run)v1h-\(run)z"
                column += run
            }
        }
        let pixels = side * pixelsPerModule
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox=\(attribute: "0 0 \(side) \(side)") width="\(pixels)" \
            height="\(pixels)" role="img" aria-label=\(attribute: label) shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d=\(attribute: path)/></svg>
            """
    }
}
