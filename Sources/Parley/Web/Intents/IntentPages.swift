import Foundation
import HTTPServer

/// The Intents pages: taxonomy, model versions and accuracy, confusion, labelling.
enum IntentPages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
