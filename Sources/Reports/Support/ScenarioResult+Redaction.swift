import LabrunCore
import ScenarioModel

extension ScenarioResult {
    /// A copy with every piece of free text passed through the redactor, so no report can carry a secret.
    ///
    /// Each string is redacted on its own (not the rendered file), so a masked value can never break
    /// the XML, JSON or HTML around it.
    func redacted(by redactor: Redactor) -> ScenarioResult {
        let r = redactor.redact
        var copy = self
        copy.scenario = r(scenario)
        copy.description = r(description)
        copy.namespace = r(namespace)
        copy.provider = r(provider)
        copy.abortReason = abortReason.map(r)
        copy.steadyStateBefore = steadyStateBefore.map { $0.redacted(by: redactor) }
        copy.steadyStateAfter = steadyStateAfter.map { $0.redacted(by: redactor) }
        copy.steps = steps.map { $0.redacted(by: redactor) }
        copy.assertions = assertions.map { $0.redacted(by: redactor) }
        copy.phases = phases.map { phase in
            var p = phase
            p.errorsByKind = redactKeys(phase.errorsByKind, redactor)
            p.servingPods = redactKeys(phase.servingPods, redactor)
            p.versions = redactKeys(phase.versions, redactor)
            return p
        }
        copy.calibration = calibration.map { measurement in
            var m = measurement
            m.errorsByKind = redactKeys(measurement.errorsByKind, redactor)
            return m
        }
        copy.series = series.map { second in
            var s = second
            s.versions = redactKeys(second.versions, redactor)
            return s
        }
        copy.timeline = timeline.map { event in
            var e = event
            e.subject = r(event.subject)
            e.detail = r(event.detail)
            return e
        }
        copy.cleanup = cleanup.map { $0.redacted(by: redactor) }
        copy.artifacts = artifacts.map(r)
        return copy
    }
}

extension AssertionResult {
    func redacted(by redactor: Redactor) -> AssertionResult {
        var copy = self
        copy.name = redactor.redact(name)
        copy.kind = redactor.redact(kind)
        copy.message = redactor.redact(message)
        copy.details = details.map(redactor.redact)
        copy.measured = redactKeys(measured, redactor)
        copy.invariant = invariant.map { samples in
            var s = samples
            s.firstMismatches = samples.firstMismatches.map { $0.redacted(by: redactor) }
            s.firstUnanswered = samples.firstUnanswered.map { $0.redacted(by: redactor) }
            return s
        }
        return copy
    }
}

extension InvariantSample {
    func redacted(by redactor: Redactor) -> InvariantSample {
        InvariantSample(at: at, message: redactor.redact(message), details: details.map(redactor.redact))
    }
}

extension StepResult {
    func redacted(by redactor: Redactor) -> StepResult {
        var copy = self
        copy.name = redactor.redact(name)
        copy.message = message.map(redactor.redact)
        copy.operations = operations.map { $0.redacted(by: redactor) }
        return copy
    }
}

extension OperationResult {
    func redacted(by redactor: Redactor) -> OperationResult {
        var copy = self
        copy.block = redactor.redact(block)
        copy.action = redactor.redact(action)
        copy.message = message.map(redactor.redact)
        return copy
    }
}

/// Redacts a dictionary's keys (pod names, versions and error labels are free text too).
private func redactKeys<V>(_ dictionary: [String: V], _ redactor: Redactor) -> [String: V] {
    var out: [String: V] = [:]
    for (key, value) in dictionary { out[redactor.redact(key)] = value }
    return out
}
