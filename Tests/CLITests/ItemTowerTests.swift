import Foundation
import XCTest

/// `item_tower` through the binary: items no training click reached are recalled,
/// with every output layer, through the indexes, mining, vectors and a saved model.
final class ItemTowerTests: XCTestCase {
    func run(_ script: String, _ command: String = "run") throws -> Ydnn.Result { try Ydnn.runRecipe(script, command) }

    /// A generated log split by time: the items uploaded after the cutoff have no
    /// training click (the generator's items are uploaded all through the log).
    func recipe(_ body: String) -> String {
        """
        seed 4
        generate users=1200 items=600 categories=12 seed=2
        vocab min_count=0 items=all
        split holdout=time cutoff=0.9
        window 10
        embed user_id 16
        pool items avg dim=16
        dense 32 relu
        \(body)
        """
    }

    /// The hr@50 of the "hr@50" row of each evaluate table, model column.
    func hr50(_ out: String) -> [Double] {
        out.split(separator: "\n").filter { $0.hasPrefix("hr@50") }.compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
    }

    func testColdItemsAreRecalledOnlyThroughTheTower() throws {
        for output in ["softmax sampled=60", "softmax sampled=60 per=sample", "nce negatives=5", "softmax full", "softmax inbatch"] {
            let free = try run(recipe("\(output)\ntrain epochs=3\nevaluate hr@50 targets=cold"))
            XCTAssertEqual(free.status, 0, free.err)
            let tower = try run(recipe("\(output)\nitem_tower categories tags dim=8\ntrain epochs=3\nevaluate hr@50 targets=cold"))
            XCTAssertEqual(tower.status, 0, tower.err)
            XCTAssertTrue(tower.out.contains("users with a cold target (no training click on it)"), tower.out)
            let (f, t) = (hr50(free.out).first ?? .nan, hr50(tower.out).first ?? .nan)
            // A never-trained free vector lands anywhere: about chance (50 of 600 items) at best.
            XCTAssertLessThan(f, 0.2, "\(output): free vectors cannot place a never-clicked item\n\(free.out)")
            XCTAssertGreaterThan(t, max(0.25, f + 0.15), "\(output): the tower recalls cold items\n\(tower.out)")
        }
    }

    /// The item cold-start protocol: a tenth of the items held out of training entirely.
    func testHeldOutItemsAreRecalledAmongAllAndAmongTheColdOnes() throws {
        func script(_ tower: String) -> String {
            recipe("softmax sampled=60\n\(tower)\ntrain epochs=3\nevaluate hr@50 targets=cold\nevaluate hr@50 targets=cold candidates=cold")
                .replacingOccurrences(of: "split holdout=time cutoff=0.9", with: "split holdout=last cold_items=0.1")
        }
        let free = try run(script("")), tower = try run(script("item_tower categories tags dim=8"))
        XCTAssertEqual(free.status, 0, free.err)
        XCTAssertEqual(tower.status, 0, tower.err)
        XCTAssertTrue(tower.out.contains("items held out of training (cold)"), tower.out)
        XCTAssertTrue(tower.out.contains("ranked among the cold items only"), tower.out)
        let (f, t) = (hr50(free.out), hr50(tower.out))
        XCTAssertEqual(f.count, 2, free.out)
        XCTAssertEqual(t.count, 2, tower.out)
        XCTAssertLessThan(f.first ?? 1, 0.05, free.out)
        XCTAssertGreaterThan(t.first ?? 0, 0.3, tower.out)
        XCTAssertGreaterThan(t.last ?? 0, (f.last ?? 1) + 0.15, "among the cold items too\n\(free.out)\n\(tower.out)")

        let wrong = try run(recipe("softmax sampled=60\nsplit holdout=time cutoff=0.9 cold_items=0.1"), "check")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("cold_items= goes with holdout=last"), wrong.err)
        let among = try run(recipe("softmax sampled=60\ntrain epochs=1\nevaluate hr@50 candidates=cold"), "check")
        XCTAssertNotEqual(among.status, 0)
        XCTAssertTrue(among.err.contains("candidates=cold goes with targets=cold"), among.err)
    }

    func testTheTowerServesThroughIndexesVectorsMiningAndTheModelFile() throws {
        let r = try run(recipe("""
            softmax sampled=60 logq=on
            item_tower categories tags dim=8 hidden=16
            summary
            train epochs=3
            evaluate hr@50 targets=cold label="exact"
            index hnsw m=16 ef_construction=100 ef=100
            evaluate hr@50 targets=cold via=index label="hnsw"
            index lsh tables=16 bits=8 probes=1
            evaluate hr@50 targets=cold via=index label="lsh"
            vectors items "items.npy" lsh=on
            mine "top.tsv" top=100
            save model "m.model"
            load model "m.model"
            evaluate hr@50 targets=cold label="loaded"
            evaluate hr@50 targets=warm
            """))
        XCTAssertEqual(r.status, 0, r.err + r.out)
        for part in ["item categories", "item tags", "item dense1", "item out", "through the hnsw index", "through the lsh index",
                     "mined top 100", "saved model", "loaded model"] {
            XCTAssertTrue(r.out.contains(part), "\(part)\n\(r.out)")
        }
        let h = hr50(r.out)
        XCTAssertEqual(h.count, 5, r.out)
        XCTAssertGreaterThan(h[0], 0.25, r.out)
        XCTAssertGreaterThan(h[1], h[0] - 0.05, "HNSW finds nearly what exact ranking does\n\(r.out)")
        XCTAssertEqual(h[3], h[0], "the loaded model scores identically")
    }

    func testMistakesAreExplained() throws {
        let typo = try run(recipe("softmax sampled=60\nitem_tower categoriez tags"))
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("items have no feature 'categoriez'") && typo.err.contains("did you mean 'categories'?"), typo.err)
        XCTAssertTrue(typo.err.contains("item_tower categoriez tags\n           ^"), "the caret is under the feature:\n\(typo.err)")

        let user = try run(recipe("softmax sampled=60\nitem_tower user_id"))
        XCTAssertNotEqual(user.status, 0)
        XCTAssertTrue(user.err.contains("items have no feature 'user_id'"), user.err)

        // Without items=all a never-clicked item is <unk>: there is no cold target to score.
        let frequent = try run(recipe("softmax sampled=60\nvocab min_count=0 items=frequent\ntrain epochs=1\nevaluate hr@50 targets=cold"))
        XCTAssertNotEqual(frequent.status, 0)
        XCTAssertTrue(frequent.err.contains("no held-out click has a cold target") && frequent.err.contains("vocab items=all"), frequent.err)

        let export = try run(recipe("softmax sampled=60\nitem_tower categories\nexport torchrec \"tr\""))
        XCTAssertNotEqual(export.status, 0)
        XCTAssertTrue(export.err.contains("export torchrec does not carry an item tower"), export.err)
    }

    func testHelpListsTheItemFeatures() throws {
        let data = Ydnn.root.deletingLastPathComponent().appendingPathComponent("shared/data/ml-100k").path
        guard FileManager.default.fileExists(atPath: data + "/u.data") else { throw XCTSkip("shared data not found") }
        let r = try run("load movielens \"\(data)\"\nhelp item_tower")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("item features (item_tower): categories, tags, genres"), r.out)
    }
}
