import LabrunCore

extension HTTPRequestSpec {
    /// The placeholder `repeat` replaces with the repetition number.
    public static let repetitionPlaceholder = "{{i}}"

    /// The request for repetition `number` (1…repeat): `{{i}}` replaced in the path, header values and
    /// every string of the body.
    public func substituting(repetition number: Int) -> HTTPRequestSpec {
        let text = String(number)
        func replace(_ value: String) -> String { value.replacingOccurrences(of: Self.repetitionPlaceholder, with: text) }
        func replace(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let string): return .string(replace(string))
            case .array(let items): return .array(items.map(replace))
            case .object(let members): return .object(members.mapValues(replace))
            case .null, .bool, .number: return value
            }
        }
        var copy = self
        copy.path = replace(path)
        copy.headers = headers.mapValues(replace)
        copy.body = body.map(replace)
        return copy
    }
}

extension HTTPCheck {
    /// The check for repetition `number`: the request and the expected JSON with `{{i}}` replaced.
    public func substituting(repetition number: Int) -> HTTPCheck {
        var copy = self
        copy.request = request.substituting(repetition: number)
        if let json = expect.json {
            let probe = HTTPRequestSpec(path: "/", body: json, service: request.service).substituting(repetition: number)
            copy.expect.json = probe.body
        }
        copy.expect.headers = expect.headers.mapValues {
            $0.replacingOccurrences(of: HTTPRequestSpec.repetitionPlaceholder, with: String(number))
        }
        return copy
    }
}
