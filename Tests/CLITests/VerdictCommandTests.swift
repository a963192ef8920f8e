import Foundation
import XCTest

/// Issue 11 through the binary: compare over runs (method, df, mde, Holm, the
/// warning below 3 runs), every test user counted, the new metrics, expect,
/// $run, labels and experiment names.
final class VerdictCommandTests: XCTestCase {
    static let base = """
    seed 5
    generate users=400 items=300 categories=6 clicks_per_user=20
    vocab min_count=3
    window 5
    embed user_id 8
    lstm items 16
    nce

    """

    func run(_ body: String, _ args: [String] = []) throws -> Ydnn.Result {
        let dir = try Ydnn.tempDir()
        try (Self.base + body).write(to: dir.appendingPathComponent("v.ydnn"), atomically: true, encoding: .utf8)
        return try Ydnn.run(["run", "v.ydnn", "--no-log"] + args, in: dir)
    }

    func testCompareTestsOverRunsWithHolmAndPower() throws {
        let r = try run("""
            for lr in [0.001, 0.003, 0.01] {
              experiment "lr=$lr" repeat=3 {
                train epochs=1 lr=$lr
                evaluate hr@10 hr@50
              }
            }
            compare metric=hr@50
            """)
        XCTAssertEqual(r.status, 0, r.err)
        for expected in ["each training run (seed) is one observation", "p (Holm)", "mde", "runs for delta",
                         "lr=0.003: paired t over 3 seeds, df = 2.0", "adjusted for 2 comparisons against the baseline"] {
            XCTAssertTrue(r.out.contains(expected), "missing '\(expected)' in\n\(r.out)")
        }
    }

    func testFewerThanThreeRunsWarnsAndStarsNothing() throws {
        let r = try run("""
            experiment "a" repeat=2 { train epochs=1 lr=0.0001
            evaluate hr@50 }
            experiment "b" repeat=2 { train epochs=1 lr=0.05
            evaluate hr@50 }
            compare
            """)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("ran fewer than 3 runs: no test over runs is meaningful"), r.out)
        let row = r.out.split(separator: "\n").first { $0.hasPrefix("b ") } ?? ""
        XCTAssertFalse(row.contains("*"), String(row))
    }

    /// A rarer vocabulary makes more targets unrankable; they stay in the denominator.
    func testEveryTestUserIsCountedUnlessSkipped() throws {
        let r = try run("""
            train epochs=1
            let all = evaluate hr@10
            let skipped = evaluate hr@10 unrankable=skip
            vocab min_count=12
            train epochs=1
            let rare = evaluate hr@10
            print "users" $all.users $skipped.users $rare.users $rare.unrankable
            """)
        XCTAssertEqual(r.status, 0, r.err)
        let line = r.out.split(separator: "\n").first { $0.hasPrefix("users ") }.map(String.init) ?? ""
        let n = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        XCTAssertEqual(n.count, 4, r.out)
        XCTAssertEqual(n[0], n[2], "the denominator does not change with the vocabulary")
        XCTAssertLessThan(n[1], n[0])
        XCTAssertGreaterThan(n[3], 0)
        XCTAssertTrue(r.out.contains("could not be ranked (target outside the vocabulary) and count as misses"), r.out)
    }

    func testNewMetricsAndPlotAge() throws {
        let r = try run("""
            example_age on unit=days
            train epochs=1
            evaluate hr@50 coverage@50 tailhr@50 popularity@50 age@10
            plot age
            """)
        XCTAssertEqual(r.status, 0, r.err)
        for expected in ["coverage@50", "tailhr@50", "popularity@50", "age@10 (days)", "target age (days)",
                         "have a target outside the head", "recommended age (days)"] {
            XCTAssertTrue(r.out.contains(expected), "missing '\(expected)' in\n\(r.out)")
        }
    }

    func testExpectPassesAndFailsWithLocationAndValue() throws {
        let ok = try run("train epochs=1\nevaluate hr@50\nexpect hr@50 min=0 max=1\n")
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertTrue(ok.out.contains("expect hr@50: "), ok.out)
        let bad = try run("train epochs=1\nevaluate hr@50\nexpect hr@50 min=0.99\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("v.ydnn:10:1: error: expected hr@50 within min 0.9900; the last evaluation measured 0."), bad.err)
        let skipped = try run("train epochs=1\nevaluate hr@50\nexpect hr@50 min=0.99 data=\"../elsewhere\"\n")
        XCTAssertEqual(skipped.status, 0, skipped.err)
        XCTAssertTrue(skipped.out.contains("not checked"), skipped.out)
        let check = try run("expect hr@50\n")
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.err.contains("'expect' needs min= or max="), check.err)
    }

    func testRunVariablesSeedWarningLabelsAndNames() throws {
        let r = try run("""
            experiment "a" repeat=2 {
              print "run" $run.index $run.seed
              seed 9
              train epochs=1
              evaluate hr@10 label="first"
            }
            """)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("run 0 5\n") && r.out.contains("run 1 6\n"), r.out)
        XCTAssertTrue(r.err.contains("warning: 'seed' inside experiment 'a' gives every run the same seed"), r.err)

        let again = try run("experiment \"a\" { train epochs=1\nevaluate hr@10 }\nexperiment \"a\" { train epochs=1\nevaluate hr@10 }\n")
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.err.contains("there is already an experiment named 'a'"), again.err)
        let replaced = try run("experiment \"a\" { train epochs=1\nevaluate hr@10 }\nexperiment \"a\" replace=on { train epochs=1\nevaluate hr@10 }\n")
        XCTAssertEqual(replaced.status, 0, replaced.err)
    }
}
