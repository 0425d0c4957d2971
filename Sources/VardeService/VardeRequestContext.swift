public import Hummingbird
import NIOCore

/// Per-request state carried through the middleware: who is asking (set by ``AccessMiddleware``) and from where.
public struct VardeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal = Principal.anonymous
    /// The client's IP address (the budget key for anonymous callers); "local" in in-process tests.
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}
