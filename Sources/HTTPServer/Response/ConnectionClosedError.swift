/// Thrown to readers of a request body and writers of a streamed response when the connection went away.
public struct ConnectionClosedError: Error, Sendable, CustomStringConvertible {
    public var description: String { "connection closed" }
}
