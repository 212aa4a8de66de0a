import Foundation

/// Finds the folders that ship beside the program (`migrations`, `Public`, `Templates`).
public enum ResourceLocator {
    /// The first existing folder named `name`: in `PARLEY_RESOURCES`, the working directory, then up to
    /// five levels above the executable (a `.build/…/release/parley` finds the repository's folders),
    /// then `/usr/share/parley`.
    public static func folder(named name: String) throws -> String {
        var roots: [String] = []
        if let root = ProcessInfo.processInfo.environment["PARLEY_RESOURCES"] { roots.append(root) }
        roots.append(FileManager.default.currentDirectoryPath)
        var executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        for _ in 0..<5 {
            executable.deleteLastPathComponent()
            roots.append(executable.path)
        }
        roots.append("/usr/share/parley")
        for root in roots {
            var isDirectory: ObjCBool = false
            let path = root + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return path
            }
        }
        throw ConfigurationError(setting: "PARLEY_RESOURCES", value: roots.first ?? "",
                                 expected: "a folder containing \(name)/ (looked in \(roots.joined(separator: ", ")))")
    }
}
