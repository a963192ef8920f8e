import Foundation
import XCTest

/// One rule for Ctrl-C: whatever long work it stops (here data generation, which
/// polls the cancellation token), `ydnn run` says "interrupted" and exits 130.
final class InterruptTests: XCTestCase {
    func testSigintDuringLongLibraryWorkExits130() throws {
        guard let path = Ydnn.path else { return XCTFail("no ydnn binary") }
        let dir = try Ydnn.tempDir()
        try "generate users=3000000 items=200000 clicks_per_user=40\nprint \"not reached\"\n"
            .write(to: dir.appendingPathComponent("long.ydnn"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["run", "long.ydnn", "--no-log"]
        process.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(process.isRunning, "the generation finished before the interrupt; make it longer")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted"), stderr)
        XCTAssertFalse(stdout.contains("not reached"), stdout)
    }
}
