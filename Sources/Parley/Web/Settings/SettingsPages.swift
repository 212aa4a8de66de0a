import Foundation
import HTTPServer

/// The Settings pages: project, flag rules (with dry-run), users, API keys.
enum SettingsPages {
    static func register(on router: inout Router, dashboard: Dashboard) {}
}
