import Foundation
import HTTPServer

/// The API of replay sets, their results and pairwise verdicts.
enum ReplayRoutes {
    static func register(on router: inout Router, context: AppContext) {}
}
