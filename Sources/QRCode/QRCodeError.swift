/// What can go wrong drawing a QR code.
public enum QRCodeError: Error, Equatable, Sendable {
    /// libqrencode returned no code (`errno` as it left it: EINVAL, ERANGE for too much data, ENOMEM).
    case encodingFailed(errno: Int)
}
