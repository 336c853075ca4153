/// Keys of an HTTP request, shared by the `http` action, the `http` wait condition and the `http` assertion.
enum HTTPKeys {
    static let request = ["method", "path", "headers", "body", "service"]
}

/// Parsing of HTTP requests and expectations.
extension ParseSession {
    func httpRequest(_ fields: Fields) -> HTTPRequestSpec? {
        let method = fields.has("method") ? fields.choice("method", HTTPRequestSpec.methods, noun: "method") : "GET"
        let path = fields.string("path", pattern: .httpPath)
        let headers = fields.has("headers") ? fields.value("headers").flatMap { reader.stringMap($0, keys: .headerName) } : [:]
        let body = fields.has("body") ? fields.json("body") : nil
        let services = stack.reachable.filter { $0.role != .database }.map(\.name)
        let service = fields.has("service") ? fields.choice("service", services, noun: "service") : (stack.api?.name ?? "")
        guard let method, let path, let headers, let service, !(fields.has("body") && body == nil) else { return nil }
        return HTTPRequestSpec(method: method, path: path, headers: headers, body: body, service: service)
    }

    func httpCheck(_ fields: Fields) -> HTTPCheck? {
        let request = httpRequest(fields)
        var expect: HTTPExpectation? = HTTPExpectation()
        if let raw = fields.value("expect") {
            expect = nil
            if let expectFields = reader.fields(raw, allowed: ["status", "headers", "json"]) {
                let status = expectFields.value("status").map(statusList) ?? []
                let headers = expectFields.has("headers") ? expectFields.value("headers").flatMap { reader.stringMap($0, keys: .headerName) } : [:]
                let json = expectFields.has("json") ? expectFields.json("json") : nil
                if let status, let headers, !(expectFields.has("json") && json == nil) {
                    expect = HTTPExpectation(status: status, headers: headers, json: json)
                }
            }
        }
        guard let request, let expect else { return nil }
        return HTTPCheck(request: request, expect: expect)
    }

    /// `200` or `[200, 201]`: HTTP statuses between 100 and 599.
    func statusList(_ value: Located) -> [Int]? {
        if case .sequence = value.node {
            guard let items = reader.sequence(value) else { return nil }
            let codes = items.map { reader.int($0, min: 100, max: 599) }
            if items.isEmpty { reader.error("needs at least one status", at: value.node, value.path) }
            return codes.contains(where: { $0 == nil }) || items.isEmpty ? nil : codes.compactMap { $0 }
        }
        return reader.int(value, min: 100, max: 599).map { [$0] }
    }
}
