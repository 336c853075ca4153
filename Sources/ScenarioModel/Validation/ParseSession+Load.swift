import StackModel

/// Parsing of the `load` section.
extension ParseSession {
    static let loadKeys = ["rate", "before", "after", "until", "duration", "mix", "requestTimeout", "maxInFlight", "slo", "users"]

    func load(_ value: Located) -> LoadSpec? {
        guard let fields = reader.fields(value, allowed: Self.loadKeys, required: ["rate"]) else { return nil }
        let rate = fields.value("rate").flatMap { self.loadRate($0) }
        let before = fields.has("before") ? fields.duration("before") : .seconds(10)
        let after = fields.has("after") ? fields.duration("after") : .seconds(20)
        var until: LoadEnd? = .stepsDone
        if fields.has("until") && fields.has("duration") {
            _ = fields.exactlyOne(of: ["until", "duration"])
            until = nil
        } else if fields.has("until") {
            until = fields.choice("until", ["steps-done"]).map { _ in .stepsDone }
        } else if fields.has("duration") {
            until = fields.duration("duration").map { .duration($0) }
        }
        var mix: [LoadOperation: Int]? = Self.defaultMix(stack.traffic)
        if let raw = fields.value("mix") {
            mix = self.mix(raw)
        } else if mix == nil {
            reader.error("needs a \"mix\": the stack has no read that needs no captured value to send by default "
                         + "(its operations are \(stack.traffic.operations.map(\.name).joined(separator: ", ")))",
                         at: value.node, value.path.key("mix"))
        }
        let requestTimeout = fields.has("requestTimeout") ? fields.duration("requestTimeout") : LoadSpec.defaultRequestTimeout
        let maxInFlight = fields.has("maxInFlight") ? fields.int("maxInFlight", min: 1, max: 10_000) : LoadSpec.defaultMaxInFlight
        var slo: [Phase: SLOBounds]? = [:]
        if let raw = fields.value("slo"), let sloFields = reader.fields(raw, allowed: Phase.allCases.map(\.rawValue)) {
            for phase in Phase.allCases {
                guard let bounds = sloFields.value(phase.rawValue) else { continue }
                if let parsed = sloBounds(bounds, extra: []) { slo?[phase] = parsed.bounds } else { slo = nil }
            }
        }
        if case .duration(let total)? = until, let before, total <= before, let at = fields.value("duration") {
            reader.error("must be longer than \"before\" (\(before)) so that the steps run under load", at: at.node, at.path)
        }
        var users: Int?? = .some(nil)
        if fields.has("users") {
            let known = stack.traffic.auth?.users.count ?? 0
            if known == 0 {
                fields.error("the load acts as users only when the stack file signs tokens for them (traffic.auth.jwt)", at: "users")
                users = nil
            } else {
                users = fields.int("users", min: 1, max: known).map { .some($0) }
            }
        }
        guard let rate, let before, let after, let until, let mix, let requestTimeout, let maxInFlight, let slo, let users else { return nil }
        return LoadSpec(rate: rate, before: before, after: after, until: until, mix: mix, requestTimeout: requestTimeout,
                        maxInFlight: maxInFlight, slo: slo, users: users)
    }

    static let calibrationKeys = ["percentOfCapacity", "measureFor", "concurrency"]

    /// `load.rate`: a number of requests per second, or a mapping that sets it relative to the measured capacity.
    func loadRate(_ value: Located) -> LoadRate? {
        switch value.node {
        case .scalar where [.int, .float].contains(ScalarKind(value.node)):
            return reader.number(value, min: 0, max: 10_000, minExclusive: true).map { .fixed($0) }
        case .mapping:
            return capacityCalibration(value).map { .ofCapacity($0) }
        default:
            reader.typeError(expected: "a number of requests per second or a mapping with percentOfCapacity", value)
            return nil
        }
    }

    func capacityCalibration(_ value: Located) -> CapacityCalibration? {
        guard let fields = reader.fields(value, allowed: Self.calibrationKeys, required: ["percentOfCapacity"]) else { return nil }
        let percent = fields.has("percentOfCapacity") ? fields.number("percentOfCapacity", min: 0, max: 1000, minExclusive: true) : nil
        var measureFor: ScenarioDuration? = CapacityCalibration.defaultMeasureFor
        if let raw = fields.value("measureFor") {
            measureFor = reader.duration(raw)
            let range = CapacityCalibration.measureForRange
            if let length = measureFor, !range.contains(length) {
                let bound = length < range.lowerBound ? "at least \(range.lowerBound)" : "at most \(range.upperBound)"
                reader.error("must be \(bound), got \(length)", at: raw.node, raw.path)
                measureFor = nil
            }
        }
        let concurrency = fields.has("concurrency") ? fields.int("concurrency", min: 1, max: 64) : CapacityCalibration.defaultConcurrency
        guard let percent, let measureFor, let concurrency else { return nil }
        return CapacityCalibration(percentOfCapacity: percent, measureFor: measureFor, concurrency: concurrency)
    }

    /// Without a `mix`: every read of the stack that needs no captured value, once each (the todo
    /// stack's `list`); nil when there is none.
    static func defaultMix(_ traffic: StackTraffic) -> [LoadOperation: Int]? {
        let reads = traffic.operations.filter { !$0.write && $0.needs.isEmpty }
        return reads.isEmpty ? nil : Dictionary(uniqueKeysWithValues: reads.map { (LoadOperation($0.name), 1) })
    }

    /// Weights of the stack's operations; an operation that needs a captured value needs the
    /// operation that captures it in the mix too.
    func mix(_ value: Located) -> [LoadOperation: Int]? {
        let names = stack.traffic.operations.map(\.name)
        guard let fields = reader.fields(value, allowed: names) else { return nil }
        var mix: [LoadOperation: Int] = [:]
        var valid = true
        for name in names where fields.has(name) {
            if let weight = fields.int(name, min: 0, max: 1000) { mix[LoadOperation(name)] = weight } else { valid = false }
        }
        guard valid else { return nil }
        if mix.values.reduce(0, +) == 0 {
            reader.error("weights sum to 0; give at least one operation (\(names.joined(separator: ", "))) a positive weight",
                         at: value.node, value.path)
            return nil
        }
        for operation in stack.traffic.operations where (mix[LoadOperation(operation.name)] ?? 0) > 0 {
            for variable in operation.needs {
                guard let producer = stack.traffic.producer(of: variable), (mix[LoadOperation(producer.name)] ?? 0) == 0 else { continue }
                reader.error("\(operation.name) uses ${\(variable)}, which \(producer.name) captures; give \"\(producer.name)\" a positive weight",
                             at: value.node, value.path)
                return nil
            }
        }
        return mix
    }

    /// Bounds of an SLO (in `load.slo.<phase>` or an `slo` assertion), with `extra` keys allowed beside them.
    func sloBounds(_ value: Located, extra: [String], required: [String] = []) -> (bounds: SLOBounds, fields: Fields)? {
        let keys = ["errorRate", "p50", "p95", "p99", "max"]
        guard let fields = reader.fields(value, allowed: extra + keys, required: required) else { return nil }
        if !keys.contains(where: fields.has) {
            reader.error("needs at least one bound (errorRate, p50, p95, p99 or max)", at: value.node, value.path)
            return nil
        }
        let errorRate = fields.has("errorRate") ? fields.number("errorRate", min: 0, max: 1) : nil
        let p50 = fields.has("p50") ? fields.duration("p50") : nil
        let p95 = fields.has("p95") ? fields.duration("p95") : nil
        let p99 = fields.has("p99") ? fields.duration("p99") : nil
        let max = fields.has("max") ? fields.duration("max") : nil
        let ordered: [(String, ScenarioDuration?)] = [("p50", p50), ("p95", p95), ("p99", p99), ("max", max)]
        let present = ordered.compactMap { pair in pair.1.map { (pair.0, $0) } }
        for (lower, higher) in zip(present, present.dropFirst()) where higher.1 < lower.1 {
            fields.error("\(higher.0) (\(higher.1)) is below \(lower.0) (\(lower.1)); a higher percentile cannot be faster",
                         at: higher.0)
            return nil
        }
        if fields.has("errorRate") && errorRate == nil { return nil }
        if (fields.has("p50") && p50 == nil) || (fields.has("p95") && p95 == nil) || (fields.has("p99") && p99 == nil)
            || (fields.has("max") && max == nil) { return nil }
        return (SLOBounds(errorRate: errorRate, p50: p50, p95: p95, p99: p99, max: max), fields)
    }
}
