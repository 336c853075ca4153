/// What discovery found, kept for the client's lifetime (the API surface does not change under us
/// except when CRDs are installed; `invalidate()` forgets everything).
actor DiscoveryCache {
    var groups: [APIGroupInfo]?
    var resources: [String: [APIResourceInfo]] = [:]

    func setGroups(_ value: [APIGroupInfo]) { groups = value }
    func setResources(_ value: [APIResourceInfo], for groupVersion: String) { resources[groupVersion] = value }
    func invalidate() { groups = nil; resources = [:] }
}
