import CCrypto
import Foundation
import LabrunCore
import StackModel

/// The `Authorization` values a run's requests carry (the stack's `traffic.auth`): one shared
/// value, or one per user (`auth.jwt`). The load's requests take the users in turn, per operation; a
/// scenario's HTTP steps act as the first user. Every value is registered with the Redactor by
/// whoever made it, before anything prints.
public struct RequestCredentials: Sendable, Hashable {
    /// The users, in order (empty for a shared value).
    public let users: [String]
    private let shared: String?
    private let byUser: [String: String]

    /// One value for every request.
    public init(shared: String) {
        users = []
        self.shared = shared
        byUser = [:]
    }

    /// A value per user, in the order of `users`.
    public init(users: [(user: String, authorization: String)]) {
        self.users = users.map(\.user)
        shared = nil
        byUser = Dictionary(users.map { ($0.user, $0.authorization) }, uniquingKeysWith: { first, _ in first })
    }

    /// The user a scenario's HTTP steps act as.
    public var firstUser: String? { users.first }

    /// The value for a request acting as `user` (the first user's when it names none).
    public func authorization(user: String?) -> String? {
        if let shared { return shared }
        return (user ?? firstUser).flatMap { byUser[$0] }
    }

    /// Signs a token per user of `auth` with `key` (the Secret's value) at `now` (seconds since 1970), and
    /// registers the key and every token with the Redactor.
    public static func signed(_ auth: JWTAuth, key: Data, now: Double = Date().timeIntervalSince1970) -> RequestCredentials {
        Redactor.shared.register(String(decoding: key, as: UTF8.self))
        Redactor.shared.register(key.base64EncodedString())
        let issued = Int(now.rounded(.down))
        return RequestCredentials(users: auth.users.map { user in
            var claims: [String: Any] = auth.claims
            claims["sub"] = user
            claims["iat"] = issued
            claims["exp"] = issued + auth.ttlSeconds
            let token = JSONWebToken.hs256(claims: claims, key: key)
            Redactor.shared.register(token)
            return (user, "Bearer " + token)
        })
    }
}

/// JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, RFC 7515 §A.1), through OpenSSL's libcrypto.
public enum JSONWebToken {
    /// `header.payload.signature`, base64url without padding; the payload's members sorted by name.
    public static func hs256(claims: [String: Any], key: Data) -> String {
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = base64URL((try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
        let input = header + "." + payload
        return input + "." + base64URL(hmacSHA256(key: key, message: Data(input.utf8)))
    }

    /// RFC 4648 §5 without padding.
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(key: Data, message: Data) -> Data {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                _ = HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                         messageBytes.bindMemory(to: UInt8.self).baseAddress, messageBytes.count, &digest, &length)
            }
        }
        return Data(digest.prefix(Int(length)))
    }
}
