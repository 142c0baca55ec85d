/// The repositories' SQL with SQLite's parameter spelling (`?`, `?N`) rewritten to PostgreSQL's (`$N`).
///
/// Follows SQLite's numbering: `?N` is parameter N, and a bare `?` is one more than the largest number used
/// before it. Question marks inside string literals, quoted identifiers and comments are left alone.
///
///     Placeholders("SELECT * FROM users WHERE email = ? AND id <> ?1").sql  // "… email = $1 AND id <> $1"
struct Placeholders {
    /// The statement in PostgreSQL's spelling.
    let sql: String
    /// The largest parameter number the statement uses.
    let count: Int

    init(_ sqlite: String) {
        var output = ""
        output.reserveCapacity(sqlite.utf8.count + 8)
        var largest = 0
        var characters = sqlite.makeIterator()
        var pending: Character? = nil

        func next() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return characters.next()
        }

        while let character = next() {
            switch character {
            case "'", "\"":
                // A literal or quoted identifier runs to its closing quote (a doubled quote stays inside).
                output.append(character)
                while let inner = next() {
                    output.append(inner)
                    if inner == character { break }
                }
            case "-":
                output.append(character)
                guard let following = next() else { break }
                if following == "-" {
                    output.append(following)
                    while let inner = next() {
                        output.append(inner)
                        if inner == "\n" { break }
                    }
                } else {
                    pending = following
                }
            case "/":
                output.append(character)
                guard let following = next() else { break }
                if following == "*" {
                    output.append(following)
                    var previous: Character = " "
                    while let inner = next() {
                        output.append(inner)
                        if previous == "*" && inner == "/" { break }
                        previous = inner
                    }
                } else {
                    pending = following
                }
            case "?":
                var digits = ""
                while let following = next() {
                    if following.isASCII, following.isNumber {
                        digits.append(following)
                    } else {
                        pending = following
                        break
                    }
                }
                let number = Int(digits) ?? (largest + 1)
                largest = max(largest, number)
                output += "$\(number)"
            default:
                output.append(character)
            }
        }
        self.sql = output
        self.count = largest
    }
}
