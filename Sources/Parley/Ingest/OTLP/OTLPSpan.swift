/// One span of an OTLP/HTTP JSON `ExportTraceServiceRequest`, with its attributes decoded to plain JSON values.
///
/// OTLP `AnyValue`s become `JSONValue`s: `stringValue` a string, `intValue` (a string in the proto3 JSON
/// mapping, since int64) and `doubleValue` numbers, `boolValue` a boolean, `arrayValue` an array and
/// `kvlistValue` an object.
struct OTLPSpan {
    var traceID: String
    var spanID: String
    var name: String
    var startNanos: UInt64
    var endNanos: UInt64
    /// The span's own attributes.
    var attributes: [String: JSONValue]
    /// The attributes of the resource that emitted the span (`service.name`, …).
    var resource: [String: JSONValue]
    var events: [Event]

    /// A span event: a name, a time and attributes.
    struct Event {
        var name: String
        var timeNanos: UInt64
        var attributes: [String: JSONValue]
    }

    /// A string attribute of the span, else of its resource.
    func string(_ key: String) -> String? {
        for source in [attributes, resource] {
            switch source[key] {
            case .string(let s)? where !s.isEmpty: return s
            case .number(let n)?: return n
            default: continue
            }
        }
        return nil
    }

    /// The first of `keys` present as a string attribute.
    func string(anyOf keys: [String]) -> String? {
        for key in keys { if let s = string(key) { return s } }
        return nil
    }

    /// An integer attribute (OTLP sends int64 as a string or a number).
    func integer(_ key: String) -> Int? {
        switch attributes[key] {
        case .number(let n)?: return JSONValue.number(n).intValue
        case .string(let s)?: return Int(s)
        default: return nil
        }
    }

    /// Whether the span carries anything from the GenAI semantic conventions.
    var hasGenAIAttributes: Bool {
        attributes.keys.contains { $0.hasPrefix("gen_ai.") } || events.contains { $0.name.hasPrefix("gen_ai.") }
    }
}

extension OTLPSpan {
    /// Reads every span of an `ExportTraceServiceRequest`; spans without ids are reported in `warnings`.
    static func spans(in request: JSONValue, warnings: inout [OTLPMappingResult.Warning]) -> [OTLPSpan] {
        var spans: [OTLPSpan] = []
        for resourceSpans in request["resourceSpans"]?.arrayValue ?? [] {
            let resource = attributes(resourceSpans["resource"]?["attributes"])
            // `instrumentationLibrarySpans` is the name before OTLP 0.15; some old exporters still send it.
            let scopes =
                resourceSpans["scopeSpans"]?.arrayValue
                ?? resourceSpans["instrumentationLibrarySpans"]?.arrayValue ?? []
            for scope in scopes {
                for (index, raw) in (scope["spans"]?.arrayValue ?? []).enumerated() {
                    guard let traceID = raw["traceId"]?.stringValue, !traceID.isEmpty,
                        let spanID = raw["spanId"]?.stringValue, !spanID.isEmpty
                    else {
                        warnings.append(
                            .init(
                                traceID: raw["traceId"]?.stringValue ?? "", spanID: "",
                                message: "span #\(index) has no traceId or spanId; skipped"))
                        continue
                    }
                    let start = nanos(raw["startTimeUnixNano"]) ?? 0
                    let events = (raw["events"]?.arrayValue ?? []).map { event in
                        Event(
                            name: event["name"]?.stringValue ?? "", timeNanos: nanos(event["timeUnixNano"]) ?? start,
                            attributes: attributes(event["attributes"]))
                    }
                    spans.append(
                        OTLPSpan(
                            traceID: traceID.lowercased(), spanID: spanID.lowercased(),
                            name: raw["name"]?.stringValue ?? "", startNanos: start,
                            endNanos: nanos(raw["endTimeUnixNano"]) ?? start, attributes: attributes(raw["attributes"]),
                            resource: resource, events: events))
                }
            }
        }
        return spans
    }

    /// `[{key, value: AnyValue}]` as a dictionary.
    static func attributes(_ list: JSONValue?) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for item in list?.arrayValue ?? [] {
            guard let key = item["key"]?.stringValue else { continue }
            out[key] = anyValue(item["value"])
        }
        return out
    }

    /// One OTLP `AnyValue` as JSON.
    static func anyValue(_ value: JSONValue?) -> JSONValue {
        guard let value else { return .null }
        if let s = value["stringValue"]?.stringValue { return .string(s) }
        if let b = value["boolValue"]?.boolValue { return .bool(b) }
        if let i = value["intValue"] {
            if case .number = i { return i }
            if let s = i.stringValue, Int64(s) != nil { return .number(s) }
        }
        if let d = value["doubleValue"] {
            if case .number = d { return d }
            // proto3 JSON allows "NaN"/"Infinity" as strings; JSON numbers cannot hold them.
            if let s = d.stringValue { return .string(s) }
        }
        if let items = value["arrayValue"]?["values"]?.arrayValue { return .array(items.map { anyValue($0) }) }
        if value["arrayValue"] != nil { return .array([]) }
        if let kv = value["kvlistValue"] { return .object(attributes(kv["values"])) }
        if let bytes = value["bytesValue"]?.stringValue { return .string(bytes) }
        return .null
    }

    /// A `…UnixNano` field: a decimal string (proto3 JSON for fixed64) or a number.
    static func nanos(_ value: JSONValue?) -> UInt64? {
        switch value {
        case .string(let s)?: return UInt64(s)
        case .number(let n)?: return UInt64(n) ?? Double(n).flatMap { $0 >= 0 && $0 < 1.8e19 ? UInt64($0) : nil }
        default: return nil
        }
    }
}
