/// API.md's password rule: 8 to 128 characters, not the email, not one of the most common passwords.
public enum PasswordPolicy {
    /// The problems with `password` for the account `email`, as field messages; empty when it is acceptable.
    public static func problems(_ password: String, email: String?, field: String = "password") -> [String] {
        var problems: [String] = []
        let length = password.count
        if length < 8 { problems.append("must be at least 8 characters") }
        if length > 128 { problems.append("must be at most 128 characters") }
        let folded = password.lowercased()
        if let email, !email.isEmpty, folded == email.lowercased() || folded == email.lowercased().split(separator: "@").first.map(String.init) {
            problems.append("must not be the email address")
        }
        if common.contains(folded) { problems.append("is one of the most common passwords") }
        return problems
    }

    /// Lower-cased passwords that top the public breach-frequency lists (8 characters or more, since shorter
    /// ones fail the length rule anyway).
    static let common: Set<String> = [
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "12345678", "123456789", "1234567890", "12345678910", "0123456789", "87654321", "11111111", "00000000",
        "88888888", "66666666", "99999999", "12341234", "11223344", "12121212", "123123123", "1q2w3e4r", "1q2w3e4r5t",
        "1qaz2wsx", "qwertyuiop", "qwerty123", "qwerty12", "qwertyui", "asdfghjkl", "asdfasdf", "zxcvbnm1",
        "iloveyou", "iloveyou1", "sunshine", "princess", "football", "baseball", "superman", "batman123",
        "trustno1", "welcome1", "welcome123", "letmein1", "letmein123", "abc12345", "abcd1234", "abcdefgh",
        "admin123", "administrator", "changeme", "changeme123", "computer", "internet", "starwars", "whatever",
        "dragon123", "monkey123", "shadow123", "master123", "michael1", "jennifer", "jordan23", "hunter22",
        "charlie1", "liverpool", "chelsea1", "arsenal1", "samsung1", "pokemon1", "minecraft", "fuckyou1",
        "secret123", "security", "qazwsxedc", "aa123456", "a1234567", "a12345678", "q1w2e3r4", "zaq12wsx",
        "passpass", "testtest", "test1234", "default1", "lovely123", "987654321", "1111111111", "google123",
    ]
}
