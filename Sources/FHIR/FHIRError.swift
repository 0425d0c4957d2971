/// An export failure said plainly, with what to do.
public struct FHIRError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var fix: String?
    public init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }
    public var description: String { message + (fix.map { ". Fix: " + $0 } ?? "") }
}
