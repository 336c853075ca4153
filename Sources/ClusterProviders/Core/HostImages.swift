/// A provider whose nodes run their pods on this host's Docker engine (bare): an image built here is
/// on the node at once, so there is nothing to load (`ImageLoading`) and nothing to check.
public protocol SharesHostImages: ClusterProvider {}
