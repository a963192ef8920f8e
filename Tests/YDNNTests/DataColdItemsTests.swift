import Foundation
import XCTest
import YDNN

/// `split holdout=last cold_items=S`: the held-out items never reach training,
/// their last clicks are the cold test targets, and the draw is the seed's.
final class DataColdItemsTests: XCTestCase {
    func testHeldOutItemsNeverReachTraining() throws {
        var o = GeneratorOptions()
        o.users = 300; o.items = 200; o.categories = 8; o.clicksPerUser = 20
        let log = try ClickLog.generate(o)
        let cold = ColdItemHoldout(share: 0.1, seed: 3)
        let (filtered, held, removed) = cold.apply(to: log)
        XCTAssertEqual(held, cold.items(of: log), "the same draw every time")
        XCTAssertNotEqual(held, ColdItemHoldout(share: 0.1, seed: 4).items(of: log), "another seed, another draw")
        let clicked = Set(log.clickItems).count
        XCTAssertEqual(held.count, Int((0.1 * Double(clicked)).rounded()))
        let isHeld = Set(held)
        var lastOnHeld = 0
        for u in 0..<log.numUsers {
            let before = log.clicks(ofUser: u), after = filtered.clicks(ofUser: u)
            // Every kept click is the original's, in order; the last click is always kept.
            let kept = after.map { filtered.clickItems[$0] }
            let warm = before.map { log.clickItems[$0] }.enumerated().filter { !isHeld.contains($0.element) }
            let lastItem = log.clickItems[before.last!]
            if isHeld.contains(lastItem) && warm.count >= 1 {
                XCTAssertEqual(kept, warm.map(\.element) + [lastItem], "the last click stays as the test target")
                lastOnHeld += 1
            } else {
                XCTAssertEqual(kept, warm.map(\.element), "held-out clicks leave; an only click on one too")
            }
        }
        XCTAssertEqual(filtered.numClicks, log.numClicks - removed)
        XCTAssertGreaterThan(lastOnHeld, 0)

        // Through the pipeline: no training click on a held-out item, and their last clicks are the cold targets.
        var data = DataPipeline()
        data.setLog(log)
        data.minCount = 0
        data.allItems = true
        data.coldItems = cold
        let s = try data.samples()
        let sTrain = s.train.materialized()
        let vocab = try data.vocabularies()
        for raw in held {
            let id = vocab.items.idOfRaw[Int(raw)]
            XCTAssertGreaterThan(id, 0, "items=all keeps the held-out item \(raw) in the catalogue")
            XCTAssertEqual(s.itemCounts[Int(id)], 0)
        }
        let heldIDs = Set(held.map { vocab.items.idOfRaw[Int($0)] })
        XCTAssertFalse(sTrain.labels.contains { heldIDs.contains($0) }, "no training label is a held-out item")
        XCTAssertFalse(sTrain.sparse["items"]!.ids.contains { heldIDs.contains($0) }, "no history holds one")
        XCTAssertEqual(s.test.labels.filter { heldIDs.contains($0) }.count, lastOnHeld, "each last click on one is a cold target")
    }

    func testPerClickColumnsFollowTheKeptClicks() throws {
        let dir = TempDir()
        let path = dir.write("e.csv", "u,i,t,device\na,x,1,phone\na,y,2,desk\na,z,3,tv\nb,y,1,tv\nb,x,2,desk\nb,w,3,phone\n")
        var c = CSVColumns(user: "u", item: "i", time: "t")
        c.features = [CSVFeature("device", scope: .event)]
        let log = try ClickLog.loadCSV(path: path, columns: c)
        // Find a seed whose draw (one of four items) is y, clicked mid-sequence by both users.
        let y = Int32(log.item(key: "y")!)
        let seed = (0..<UInt64(200)).first { ColdItemHoldout(share: 0.25, seed: $0).items(of: log) == [y] }!
        let (f, _, removed) = ColdItemHoldout(share: 0.25, seed: seed).apply(to: log)
        XCTAssertEqual(removed, 2)
        let device = f.declaredColumn("device")!
        let a = f.user(key: "a")!, b = f.user(key: "b")!
        XCTAssertEqual(f.clicks(ofUser: a).map { device.text(ofRow: $0) }, ["phone", "tv"])
        XCTAssertEqual(f.clicks(ofUser: b).map { device.text(ofRow: $0) }, ["desk", "phone"])
    }
}
