public import Logging
import Foundation
import Synchronization

/// `varde serve --log-format json`: one JSON object a line on stderr, for a log shipper (journald, Vector, Loki,
/// Elastic) to read without a parser of its own. Keys: `time` (UTC, ISO 8601 with milliseconds), `level`, `logger`,
/// `message`, then the metadata, with Hummingbird's `hb.request.id` named `request` (the id the response's
/// `X-Request-Id` header and the audit line carry). Values are strings; JSON escaping keeps a client's text inside
/// its field (no forged lines).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    private static let output = Mutex(())

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSON] = [:]
        func add(_ m: Logger.Metadata) {
            for (k, v) in m { fields[k == "hb.request.id" ? "request" : k] = Self.json(v) }
        }
        add(metadata)
        if let provided = metadataProvider?.get() { add(provided) }
        if let m = event.metadata { add(m) }
        fields["time"] = .string(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["message"] = .string(event.message.description)
        var line = JSON.object(fields).encoded()
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardError.write(line) }
    }

    static func json(_ v: Logger.Metadata.Value) -> JSON {
        switch v {
        case let .string(s): .string(s)
        case let .stringConvertible(c): .string(c.description)
        case let .array(a): .array(a.map(json))
        case let .dictionary(d): .object(d.mapValues(json))
        }
    }
}
