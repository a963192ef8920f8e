import Foundation
import XCTest
import YDNN

/// Shared data of the real-data tests: read from ../shared, never committed.
enum SharedData {
    static let root: String = {
        // Tests run from the package root (/work/wt-*); the data live beside it.
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return here.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()
    static var ml100k: String { root + "/ml-100k" }
    static var paddleTrain: String { root + "/ml-100k-paddle/train.txt" }
    static var paddleTest: String { root + "/ml-100k-paddle/test.txt" }

    static func require(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { throw XCTSkip("shared data not found at \(path)") }
    }
}

/// A scratch directory removed at the end of the test.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "ydnn-data-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) -> String {
        let p = path + "/" + name
        let created = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        precondition(created, "cannot create \(p)")
        return p
    }
}

extension SampleBatch {
    func ids(_ feature: String, _ k: Int) -> [Int32] { Array(sparse[feature]![k]) }
}

/// Options with no shuffling, so samples come out per user in time order.
func ordered(_ history: SampleOptions.History) -> SampleOptions {
    var o = SampleOptions()
    o.history = history
    o.shuffle = .none
    return o
}
