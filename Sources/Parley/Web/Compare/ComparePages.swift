import Foundation
import HTTPServer

/// The Compare page (two model or prompt versions side by side) and drift alerts.
enum ComparePages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
