/// A QR code drawn as an SVG document fragment: one `<path>` of unit squares, with a four-module quiet zone.
///
/// ```swift
/// let svg = try QRCodeSVG.render("otpauth://totp/…", title: "Scan with your authenticator app")
/// ```
/// The output has no script, style or external reference, so it can sit inline in a page under a strict CSP;
/// `title` is escaped as XML text.
public enum QRCodeSVG {
    public static func render(_ text: String, title: String, pixelsPerModule: Int = 5) throws(QRCodeError) -> String {
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
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(pixels)" height="\(pixels)" \
            role="img" aria-labelledby="qr-title" shape-rendering="crispEdges"><title id="qr-title">\(escape(title))</title>\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
