import Foundation
import XCTest

/// Declared features end to end on ml-100k: `gender`, `occupation` and
/// continuous `age` train, evaluate, save and load; `help embed` lists the
/// data's features and a typo gets "did you mean".
final class DeclaredFeatureTests: XCTestCase {
    let shared = Ydnn.root.deletingLastPathComponent().appendingPathComponent("shared/data")

    func run(_ script: String, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Ydnn.Result {
        let url = dir.appendingPathComponent("recipe.ydnn")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return try Ydnn.run(["run", url.path], file: file, line: line)
    }

    func requireML100K() throws -> String {
        let p = shared.appendingPathComponent("ml-100k").path
        guard FileManager.default.fileExists(atPath: p + "/u.data") else { throw XCTSkip("shared data not found") }
        return p
    }

    func testDemographicsTrainSaveAndLoad() throws {
        let data = try requireML100K()
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.ydnn").path
        let r = try run("""
        seed 7
        load movielens "\(data)"
        vocab min_count=5
        cap per_user=30
        help embed
        embed user_id 16
        embed gender 4
        embed occupation 8
        continuous age transforms=[x, x2, sqrt]
        pool items avg dim=16
        dense 32
        softmax sampled=50
        summary
        train epochs=1 batch=256
        let a = evaluate hr@50
        save model "\(model)"
        load model "\(model)"
        let b = evaluate hr@50
        print $a $b
        """, in: dir)
        XCTAssertEqual(r.status, 0, r.err + r.out)
        XCTAssertTrue(r.out.contains("gender (single user, 3 ids)"), r.out)
        XCTAssertTrue(r.out.contains("continuous features: age"), r.out)
        for row in ["gender ", "3×4", "occupation ", "age, age_squared, age_sqrt  dense input"] {
            XCTAssertTrue(r.out.contains(row), row + "\n" + r.out)
        }
        let hr = r.out.split(separator: "\n").filter { $0.hasPrefix("hr@50") }.map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
        XCTAssertEqual(hr.count, 2, r.out)
        XCTAssertEqual(hr.first, hr.last, "the loaded model scores as the saved one")
    }

    func testUnknownFeatureSuggestsTheNearestName() throws {
        let data = try requireML100K()
        let dir = try Ydnn.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let typo = try run("load movielens \"\(data)\"\nembed agee 8\n", in: dir)
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("did you mean 'age'?"), typo.err)
        let number = try run("load movielens \"\(data)\"\nembed age 8\n", in: dir)
        XCTAssertTrue(number.err.contains("continuous age"), number.err)
        let bad = try run("load movielens \"\(data)\"\ncontinuous gender\n", in: dir)
        XCTAssertTrue(bad.err.contains("no continuous feature 'gender'"), bad.err)
    }
}
