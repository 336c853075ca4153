extension Scenario {
    /// The SLOs of `load.slo`, as `slo` assertions named `load.slo.<phase>`, in phase order.
    public var loadSLOAssertions: [Assertion] {
        guard let load else { return [] }
        return Phase.allCases.compactMap { phase in
            load.slo[phase].map { Assertion(name: "load.slo.\(phase.rawValue)", .slo(SLOAssertion(phase: phase, bounds: $0))) }
        }
    }

    /// Every assertion the run checks: the load's SLOs first, then `assertions` in file order.
    public var allAssertions: [Assertion] { loadSLOAssertions + assertions }
}
