import Foundation
import HTTPServer

/// The Triage pages: the queue with keyboard shortcuts, take-next, bulk actions, progress.
enum TriagePages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
