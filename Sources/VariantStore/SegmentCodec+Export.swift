// The store's domain speaks of segment entries, call exceptions and carrier QC in its public API (``StoredCalls``,
// ``SiteCalls``); its users see the codec's types through it. The codec itself knows nothing of the domain.
@_exported public import SegmentCodec
