/// One second of background load, for the timeline chart.
public struct LoadSecond: Sendable, Hashable, Codable {
    /// Seconds since the run started (start of this one-second bucket).
    public var second: Int
    public var sent: Int
    public var errors: Int
    /// Latency percentiles in seconds of the requests scheduled in this second (nil when none answered).
    public var p50: Double?
    public var p99: Double?
    /// Answers per app version (`X-App-Version`) in this second, for the timeline's version-mix lane.
    public var versions: [String: Int]

    public init(second: Int, sent: Int, errors: Int, p50: Double?, p99: Double?, versions: [String: Int] = [:]) {
        self.second = second
        self.sent = sent
        self.errors = errors
        self.p50 = p50
        self.p99 = p99
        self.versions = versions
    }

    private enum CodingKeys: String, CodingKey {
        case second, sent, errors, p50, p99, versions
    }

    /// Decodes a second; results written before `versions` existed decode with an empty mix.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        second = try container.decode(Int.self, forKey: .second)
        sent = try container.decode(Int.self, forKey: .sent)
        errors = try container.decode(Int.self, forKey: .errors)
        p50 = try container.decodeIfPresent(Double.self, forKey: .p50)
        p99 = try container.decodeIfPresent(Double.self, forKey: .p99)
        versions = try container.decodeIfPresent([String: Int].self, forKey: .versions) ?? [:]
    }
}
