/// Checks a subscription's URL when it is given (API.md: 422 on `url`): an absolute http or https URL that libcurl
/// accepts, whose host resolves, and (unless private targets are allowed) only to public addresses. Delivery checks
/// the address actually connected to again, since a name can resolve differently later.
public enum WebhookTarget {
    /// Why `url` cannot be a webhook target, or nil when it can.
    public static func problem(with url: String, allowPrivate: Bool) -> String? {
        guard url.utf8.count <= 2048 else { return "must be at most 2048 bytes" }
        guard let (scheme, host) = TargetAddress.parse(url), scheme == "http" || scheme == "https", !host.isEmpty else {
            return "must be an absolute http or https URL"
        }
        let addresses = TargetAddress.resolve(host)
        guard !addresses.isEmpty else { return "host \(host) does not resolve" }
        if !allowPrivate, let refused = addresses.first(where: { !AddressPolicy.isPublic($0) }) {
            return "resolves to \(AddressPolicy.text(refused)), which is not a public address"
        }
        return nil
    }
}
