import Foundation
import HTTPServer

/// The API of version comparison and drift alerts.
enum VersionRoutes {
    static func register(on router: inout Router, context: AppContext) {}
}
