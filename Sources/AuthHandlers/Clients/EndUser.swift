import FCGIHost
public import Store

/// End users of SaaS clients (SDK sessions) as the token and the user bodies show them. Their `users.email` column is
/// a placeholder unique to the row; the email the client gave is kept in the profile as `email`.
public enum EndUser {
    /// The email a token or body shows: the user's own for the server's users, the one the client gave (or "") for
    /// end users.
    public static func email(of user: User) -> String {
        guard user.tenant != nil else { return user.email }
        if case .object(let members) = JSONText.decode(user.profile), case .string(let email)? = members["email"] {
            return email
        }
        return ""
    }

    /// The profile kept for an end user: `{"email": …}` when the client gave one.
    static func profile(email: String?) -> String? {
        email.map { JSONText.object(["email": $0]) }
    }
}
