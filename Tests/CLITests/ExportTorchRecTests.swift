import Foundation
import XCTest

/// `export torchrec` and `import torchrec` without torch: the bundle's files, and the
/// exported weights (weights=on) read back as a model that evaluates exactly like the
/// native one. Training the bundle with torchrun is python/tests_torchrec's job.
final class ExportTorchRecTests: XCTestCase {
    let data = """
        seed 11
        generate users=200 items=200 categories=8
        vocab min_count=2
        split holdout=last
        window 4

        """

    func run(_ script: String, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Ydnn.Result {
        let url = dir.appendingPathComponent("recipe-\(UUID().uuidString).ydnn")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return try Ydnn.run(["run", url.path], file: file, line: line)
    }

    func metricLines(_ out: String) -> [String] { out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("hr@") } }

    func testExportedWeightsComeBackAsTheSameModel() throws {
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        let native = try run(data + """
            embed user_id 8
            embed city 6
            embed tags 8 pool=avg
            lstm items 8 pool=max
            dense 16 relu
            nce negatives=3
            train epochs=1 batch=32 optimizer=adagrad lr=0.05
            evaluate hr@10 hr@50
            export torchrec "\(bundle)" weights=on shard=1000
            """, in: dir)
        XCTAssertEqual(native.status, 0, native.err + native.out)
        XCTAssertTrue(native.out.contains("exported to \(bundle): spec "), native.out)
        let fm = FileManager.default
        for f in ["bundle.json", "model_spec.json", "noise.npy", "run.sh", "FORMAT.md", "vocab/items.json",
                  "data/train/00000/labels.npy", "data/train/00001/sparse.items.offsets.npy", "data/test/00000/users.npy",
                  "data/serving/00000/sparse.tags.ids.npy", "init/weights.json", "init/lstm.items.wx.npy"] {
            XCTAssertTrue(fm.fileExists(atPath: bundle + "/" + f), f)
        }
        XCTAssertTrue(fm.isExecutableFile(atPath: bundle + "/run.sh"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/bundle.json"))) as! [String: Any]
        let training = manifest["training"] as! [String: Any]
        XCTAssertEqual(training["epochs"] as? Int, 1)
        XCTAssertEqual(training["batch"] as? Int, 32)
        XCTAssertEqual((training["optimizer"] as! [String: Any])["kind"] as? String, "adagrad")

        let back = try run(data + "import torchrec \"\(bundle)\" weights=\"\(bundle)/init\"\nevaluate hr@10 hr@50\n", in: dir)
        XCTAssertEqual(back.status, 0, back.err + back.out)
        XCTAssertEqual(metricLines(back.out), metricLines(native.out))
        XCTAssertEqual(metricLines(back.out).count, 2)

        // No run has written trained/ yet: load model says which file is missing.
        let untrained = try run(data + "load model \"\(bundle)\"\n", in: dir)
        XCTAssertEqual(untrained.status, 1)
        XCTAssertTrue(untrained.err.contains("trained/weights.json"), untrained.err)

        // Other data (another vocabulary) is refused.
        let other = try run(data.replacingOccurrences(of: "min_count=2", with: "min_count=3")
                            + "import torchrec \"\(bundle)\" weights=\"\(bundle)/init\"\n", in: dir)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.err.contains("vocabulary"), other.err)

        // An edited spec no longer matches its hash.
        let specPath = bundle + "/model_spec.json"
        let spec = try String(contentsOfFile: specPath, encoding: .utf8)
        try spec.replacingOccurrences(of: "\"temperature\" : 1", with: "\"temperature\" : 2").write(toFile: specPath, atomically: true, encoding: .utf8)
        let edited = try run(data + "import torchrec \"\(bundle)\" weights=\"\(bundle)/init\"\n", in: dir)
        XCTAssertEqual(edited.status, 1)
        XCTAssertTrue(edited.err.contains("does not match the hash"), edited.err)
    }
}
