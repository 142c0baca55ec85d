/// The few `--name value` options the verbs take; repeated options keep every value.
struct Options {
    private var values: [String: [String]] = [:]
    private(set) var positional: [String] = []

    init(_ arguments: ArraySlice<String>) throws(UsageError) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument.hasPrefix("--") {
                guard let value = iterator.next() else { throw UsageError("\(argument) needs a value") }
                values[String(argument.dropFirst(2)), default: []].append(value)
            } else {
                positional.append(argument)
            }
        }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func strings(_ name: String) -> [String] { values[name] ?? [] }

    func required(_ name: String) throws(UsageError) -> String {
        guard let value = string(name) else { throw UsageError("--\(name) is required") }
        return value
    }

    func int(_ name: String, default fallback: Int) throws(UsageError) -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text) else { throw UsageError("--\(name) must be an integer") }
        return value
    }

    func double(_ name: String) throws(UsageError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text) else { throw UsageError("--\(name) must be a number") }
        return value
    }
}

struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
