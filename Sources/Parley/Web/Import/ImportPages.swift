import Foundation
import HTTPServer

/// The Import page: upload a conversation file, with progress.
enum ImportPages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
