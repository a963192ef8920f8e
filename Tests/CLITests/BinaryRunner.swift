import Foundation
import XCTest

/// Runs the real `ydnn` binary: $YDNN_BIN (the release build, as `make test` sets
/// it), else the debug build beside the tests.
enum Ydnn {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var path: String? {
        if let p = ProcessInfo.processInfo.environment["YDNN_BIN"], !p.isEmpty { return p }
        let debug = root.appendingPathComponent(".build/debug/ydnn").path
        return FileManager.default.isExecutableFile(atPath: debug) ? debug : nil
    }

    struct Result { let status: Int32; let out: String; let err: String }

    /// Runs `ydnn args...` in `directory` (default: the repository root) with `input` on stdin,
    /// and `environment` added to this process's.
    static func run(_ args: [String], input: String = "", in directory: URL? = nil, environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        guard let path else {
            XCTFail("no ydnn binary: build it (swift build) or set YDNN_BIN", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.currentDirectoryURL = directory ?? root
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = stderr.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }

    /// Writes `script` to recipe.ydnn in a fresh temporary directory and runs
    /// `ydnn COMMAND recipe.ydnn` there (the directory is removed afterwards).
    static func runRecipe(_ script: String, _ command: String = "run", file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("recipe.ydnn")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return try run([command, url.path], in: dir, file: file, line: line)
    }

    /// The metric rows (`hr@10 ...`) of an `evaluate` table in `out`.
    static func metricLines(_ out: String) -> [String] {
        out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hr@") }
    }

        /// The metric rows of an `evaluate hr@10 hr@50` table in `out`, checked: two
    /// rows, and the model above the most-popular baseline at hr@50.
    static func metricsAboveMostPopular(_ out: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        let lines = metricLines(out)
        XCTAssertEqual(lines.count, 2, out, file: file, line: line)
        let hr50 = lines.last.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
        XCTAssertEqual(hr50.count, 2, lines.last ?? "", file: file, line: line)
        if hr50.count == 2 { XCTAssertGreaterThan(hr50[0], hr50[1], "the model should beat most-popular: \(lines[1])", file: file, line: line) }
        return lines
    }

        /// A fresh temporary directory.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
