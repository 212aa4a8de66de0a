import Foundation
import HTTPServer

/// The Replays pages: replay sets, their results and the pairwise review queue.
enum ReplayPages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
