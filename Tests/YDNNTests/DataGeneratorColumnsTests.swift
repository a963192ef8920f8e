import Foundation
import XCTest
import YDNN

/// The generator's optional columns: they leave every earlier draw alone, carry
/// the signal they promise, and no search token comes after the click it announces.
final class DataGeneratorColumnsTests: XCTestCase {
    func options(users: Int = 1500) -> GeneratorOptions {
        var o = GeneratorOptions()
        o.users = users; o.items = 800; o.seed = 5
        return o
    }

    /// Turning the columns on changes nothing else: same clicks, times, items,
    /// fixed user features and Paddle bytes.
    func testColumnsLeaveTheRestOfTheLogUnchanged() throws {
        let dir = TempDir()
        let plain = try ClickLog.generate(options())
        XCTAssertTrue(plain.declared.isEmpty)
        XCTAssertTrue(plain.tokenStreams.isEmpty)
        var o = options()
        o.demographics = .init(); o.searches = .init()
        let rich = try ClickLog.generate(o)
        XCTAssertEqual(rich.declared.map(\.name), ["gender", "occupation", "age"])
        XCTAssertEqual(rich.tokenStreams.map(\.name), [GeneratorOptions.searchStream])
        XCTAssertEqual(plain.clickItems, rich.clickItems)
        XCTAssertEqual(plain.clickTimes, rich.clickTimes)
        XCTAssertEqual(plain.timeOrigin, rich.timeOrigin)
        XCTAssertEqual(plain.userClickStart, rich.userClickStart)
        XCTAssertEqual(plain.userProvince, rich.userProvince)
        XCTAssertEqual(plain.userCity, rich.userCity)
        XCTAssertEqual(plain.userPhone, rich.userPhone)
        XCTAssertEqual(plain.itemCategory, rich.itemCategory)
        XCTAssertEqual(plain.itemTagIDs, rich.itemTagIDs)
        XCTAssertEqual(plain.itemUploadTimes, rich.itemUploadTimes)
        let a = dir.path + "/a.txt", b = dir.path + "/b.txt"
        try plain.writePaddle(to: a)
        try rich.writePaddle(to: b)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        // One column does not move the other's draws either.
        var onlySearches = options()
        onlySearches.searches = .init()
        let s = try ClickLog.generate(onlySearches)
        XCTAssertEqual(s.tokenStreams[0].ids, rich.tokenStreams[0].ids)
        XCTAssertEqual(s.tokenStreams[0].times, rich.tokenStreams[0].times)
        // And the same options give the same columns.
        let again = try ClickLog.generate(o)
        XCTAssertEqual(again.declared.map(\.ids), rich.declared.map(\.ids))
        XCTAssertEqual(again.declaredColumn("age")!.numbers, rich.declaredColumn("age")!.numbers)
    }

    /// The user's most clicked category (a stand-in for the main favourite,
    /// which the log does not record), for users with enough clicks to tell.
    func modes(_ log: ClickLog, minClicks: Int = 25) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for u in 0..<log.numUsers where log.clicks(ofUser: u).count >= minClicks {
            var counts: [Int: Int] = [:]
            for k in log.clicks(ofUser: u) {
                let c = Int(log.categories[log.itemCategory[Int(log.clickItems[k])]].dropFirst())! - 1
                counts[c, default: 0] += 1
            }
            out[u] = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        }
        return out
    }

    /// With the signals on, each column agrees with the user's main category far
    /// more often than chance; with them at 0 it is chance.
    func testDemographicsCarryTheFavouriteCategory() throws {
        func agreement(_ signal: Double) throws -> (gender: Double, occupation: Double, age: Double, occupationChance: Double) {
            var o = options(users: 3000)
            var d = GeneratorOptions.Demographics()
            d.genderSignal = signal; d.occupationSignal = signal; d.ageSignal = signal
            o.demographics = d
            let log = try ClickLog.generate(o)
            let gender = log.declaredColumn("gender")!, occupation = log.declaredColumn("occupation")!, age = log.declaredColumn("age")!
            var g = 0, occ = 0, a = 0
            // Without the signal the tied occupation turns up with its Zipf weight.
            let zipf = (1...d.occupations).map { 1 / Double($0) }, total = zipf.reduce(0, +)
            var chance = 0.0
            let m = modes(log)
            for (u, c) in m {
                if gender.text(ofRow: u) == (c % 2 == 0 ? "F" : "M") { g += 1 }
                if occupation.text(ofRow: u) == "O\(c % d.occupations + 1)" { occ += 1 }
                chance += zipf[c % d.occupations] / total
                let band = c * 4 / o.categories, years = Int(age.numbers[u])
                XCTAssert((16..<64).contains(years))
                if (16 + 12 * band ..< 28 + 12 * band).contains(years) { a += 1 }
            }
            let n = Double(m.count)
            XCTAssertGreaterThan(n, 500)
            return (Double(g) / n, Double(occ) / n, Double(a) / n, chance / n)
        }
        let on = try agreement(0.9), off = try agreement(0)
        // Chance: a coin; the Zipf weight of the tied occupation; one band in
        // four. The most clicked category is the main favourite for most users,
        // so `on` is a bit below 0.9 + chance.
        XCTAssertEqual(off.gender, 0.5, accuracy: 0.05)
        XCTAssertEqual(off.occupation, off.occupationChance, accuracy: 0.05)
        XCTAssertEqual(off.age, 0.25, accuracy: 0.05)
        XCTAssertGreaterThan(on.gender, 0.75)
        XCTAssertGreaterThan(on.occupation, 0.65)
        XCTAssertGreaterThan(on.age, 0.65)
    }

    /// No leak: every search token is strictly before the click it announces,
    /// less than `searchLeadSeconds` before it, and so before the user's last
    /// (held-out) click; and it names that click's category as often as promised.
    func testSearchTokensComeShortlyBeforeTheirClicks() throws {
        var o = options()
        var s = GeneratorOptions.Searches()
        s.rate = 0.5; s.accuracy = 0.8
        o.searches = s
        let log = try ClickLog.generate(o)
        let stream = log.tokenStreams[0]
        XCTAssertEqual(Double(stream.ids.count) / Double(log.numClicks), s.rate, accuracy: 0.02)
        var named = 0
        for u in 0..<log.numUsers {
            let clicks = log.clicks(ofUser: u)
            let last = log.time(ofClick: clicks.upperBound - 1)
            for k in stream.tokens(ofUser: u) {
                let t = stream.times[k]
                XCTAssertLessThan(t, last, "user \(u): a token at or after the last click")
                // The click it announces: the user's first click after it, within the lead.
                guard let next = clicks.first(where: { log.time(ofClick: $0) > t }) else {
                    XCTFail("user \(u): token at \(t) has no click after it"); continue
                }
                XCTAssertLessThanOrEqual(log.time(ofClick: next) - t, Int64(GeneratorOptions.searchLeadSeconds))
                let c = Int(log.categories[log.itemCategory[Int(log.clickItems[next])]].dropFirst())! - 1
                let word = Int(stream.values[stream.ids[k]].dropFirst())! - 1
                if word % o.categories == c { named += 1 }  // the pool: tag k is of category k mod categories
            }
        }
        // accuracy, plus the chance a random word is of the pool (5 of 100).
        XCTAssertEqual(Double(named) / Double(stream.ids.count), 0.8 + 0.2 * 0.05, accuracy: 0.02)
        // The samples see the token of their own click, never a later one.
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 0, split: split)
        let samples = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.recent(max: 30)))
        let v = vocab.declared.vocabulary(GeneratorOptions.searchStream)!
        for k in 0..<samples.test.count {
            let u = Int(samples.test.users[k])
            let heldOut = log.time(ofClick: log.userClickStart[u] + Int(split.testIndex[u]))
            let visible = stream.before(user: u, time: heldOut)
            let expected = visible.isEmpty ? [Int32(0)] : visible.map { v.idOfRaw[Int(stream.ids[$0])] }
            XCTAssertEqual(samples.test.ids(GeneratorOptions.searchStream, k), expected)
            XCTAssert(visible.allSatisfy { stream.times[$0] < heldOut })
        }
    }

    func testBadColumnOptions() {
        var o = options()
        var d = GeneratorOptions.Demographics()
        d.ageSignal = 1.5
        o.demographics = d
        XCTAssertThrowsError(try ClickLog.generate(o))
        o = options()
        var s = GeneratorOptions.Searches()
        s.window = 0
        o.searches = s
        XCTAssertThrowsError(try ClickLog.generate(o))
    }
}
