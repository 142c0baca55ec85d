/// A failed libfcgi or system call in the worker or supervisor: the call, its return value and `errno`.
public struct WorkerError: Error, Equatable, CustomStringConvertible {
    public let function: String
    public let code: Int32
    public let errno: Int32
    public let message: String

    init(function: String, code: Int32 = -1, errno: Int32, message: String = "") {
        self.function = function
        self.code = code
        self.errno = errno
        self.message = message
    }

    public var description: String {
        "\(function) failed (return \(code), errno \(errno)\(message.isEmpty ? "" : ": \(message)"))"
    }
}
