import Foundation
import YDNNKernels

/// The machine a run ran on, for the run manifest: what a reader needs to know
/// when the same recipe and seed print other timings (or, across BLAS builds,
/// other last digits) elsewhere.
public struct MachineInfo: Sendable, Equatable {
    public var os: String
    public var cpu: String
    public var cores: Int
    public var blas: String

    public static let current = MachineInfo(os: osName(), cpu: cpuName(), cores: ProcessInfo.processInfo.activeProcessorCount,
                                            blas: BLAS.configuration)

    /// "Ubuntu 24.04.1 LTS (Linux 6.8.0-45-generic x86_64)".
    static func osName() -> String {
        var u = utsname()
        uname(&u)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let kernel = "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: ["\""]) }
        return release.map { "\($0) (\(kernel))" } ?? kernel
    }

    /// The first "model name" of /proc/cpuinfo, or the architecture.
    static func cpuName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }
}
