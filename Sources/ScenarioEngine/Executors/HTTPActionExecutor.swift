import HTTPClient
import LabrunCore
import ScenarioModel

/// `http`: sends a request to the stack `repeat` times (`{{i}}` replaced by the repetition number);
/// fails at the first answer whose status is not accepted (`expectStatus`, default any 2xx).
struct HTTPActionExecutor: ActionExecutor {
    let spec: HTTPAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        var statuses: [Int: Int] = [:]
        for number in 1...max(1, spec.repeatCount) {
            let request = spec.repeatCount > 1 || spec.request.path.contains(HTTPRequestSpec.repetitionPlaceholder)
                ? spec.request.substituting(repetition: number) : spec.request
            // A request may take the operation's own timeout when it has one (a chat turn the provider
            // fails after retries), else 10 s.
            let response = try await context.send(request, timeout: OperationTimeout.own ?? 10)
            statuses[response.status, default: 0] += 1
            let accepted = spec.expectStatus.isEmpty ? (200..<300).contains(response.status) : spec.expectStatus.contains(response.status)
            guard accepted else {
                throw LabrunError(id: ErrorID.httpUnexpectedStatus,
                                  message: "\(request.method) \(request.path) (repetition \(number)) answered \(response.status), expected \(spec.expectStatus.isEmpty ? "2xx" : spec.expectStatus.map(String.init).joined(separator: " or ")): \(String(response.text.prefix(200)))")
            }
        }
        let summary = statuses.keys.sorted().map { "\(statuses[$0] ?? 0)× \($0)" }.joined(separator: ", ")
        return ActionOutcome(message: "\(spec.request.method) \(spec.request.path): \(summary)")
    }
}
