/// A window of the load, used to split statistics and SLOs.
///
/// - `before`: from the load's start until the first step starts (the `load.before` warm window).
/// - `during`: from the first step's start until recovery ends (steady state holds again).
/// - `after`: from the end of recovery until the load stops (the `load.after` window).
public enum Phase: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    case before, during, after
}
