import Foundation
import XCTest
@testable import YDNNScript

/// The command layer as declared types: typed arguments, `validate` in both check
/// and run, one walker, `--set` parsed as values, the session as a value.
final class CommandDeclarationTests: XCTestCase {
    /// Checks a recipe written to a temporary file; returns the diagnostics as text.
    /// `DIR/` in the source names the recipe's folder, which holds empty `x.csv`
    /// and `events.csv` (the check verifies that input files exist).
    func check(_ source: String, overrides: [String: String] = [:]) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-decl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["x.csv", "events.csv"] { _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: nil) }
        let path = dir.appendingPathComponent("r.ydnn").path
        try source.replacingOccurrences(of: "DIR/", with: dir.path + "/").write(toFile: path, atomically: true, encoding: .utf8)
        let i = Interpreter(console: Console.capture().0)
        i.overrides = overrides.mapValues(Override.init)
        return i.check(path: path).map { "\($0.span.file.location(of: $0.span.start).line):\($0.message)" }
    }

    func testCrossArgumentMistakesFailTheCheck() throws {
        let cases: [(String, String)] = [
            ("split holdout=last cutoff=0.9", "cutoff goes with holdout=time"),
            ("split holdout=time", "holdout=time needs cutoff"),
            ("recall U1 history=[M1, M2]", "give a user or a history, not both"),
            ("recall top=5", "'recall' needs a user or history"),
            ("set", "'set' needs at least one name=value"),
            ("shuffle full size=100", "size goes with mode buffer"),
            ("softmax full sampled=10", "sampled= goes with mode sampled"),
            ("negatives uniform power=0.5", "power goes with frequency"),
            ("load csv \"DIR/x.csv\" user=u item=i time=t tag_separator=\"ab\"", "tag_separator must be one character"),
            ("load auto \"DIR/events.csv\"", "a CSV file needs its columns named"),
            ("plot precision", "'plot' draws loss or a metric"),
        ]
        for (line, message) in cases {
            let errors = try check("seed 1\n" + line + "\n")
            XCTAssertEqual(errors.count, 1, "\(line): \(errors)")
            XCTAssertTrue(errors.first?.hasPrefix("2:") == true && errors.first?.contains(message) == true, "\(line): \(errors)")
        }
    }

    func testValidationWaitsForValuesKnownOnlyAtRunTime() throws {
        // `$r` is a command's result: its value is unknown to the check, so the
        // rule cannot be decided yet and no error is reported.
        XCTAssertEqual(try check("let r = popular top=1\nsplit holdout=last cutoff=$r\n").count, 0)
    }

    func testSettingsAndTheSetCommandDeclareTheSameNames() {
        XCTAssertEqual(Settings().fields.map(\.name), SetCommand.spec.options.map(\.name))
    }

    func testChoicesComeFromEnums() {
        XCTAssertEqual(TrainCommand.spec.param(named: "optimizer")?.type.completions, ["sgd", "adagrad", "adam"])
        XCTAssertEqual(LoadPaddleCommand.spec.param(named: "on_error")?.type.completions,
                       LoadCSVCommand.spec.param(named: "on_error")?.type.completions)
        XCTAssertEqual(SetCommand.spec.param(named: "on_error")?.type.completions, ["skip", "fail"])
    }

    /// No handler reads its arguments back by name: they are typed properties.
    func testNoStringKeyedArgumentReadsInCommands() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/YDNNScript/Commands")
        let pattern = try NSRegularExpression(pattern: #"\.(int|optionalInt|double|string|bool|list|value|given)\(""#)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let hits = pattern.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            XCTAssertEqual(hits, 0, name)
        }
    }

    func testSetValuesAreParsedAsValuesAndTakeTheTypeOfTheirLet() throws {
        XCTAssertEqual(try Override("synthetic").value(replacing: .string("x")), .string("synthetic"))
        XCTAssertEqual(try Override("../data/ml-100k").value(replacing: .string("x")), .string("../data/ml-100k"))
        XCTAssertEqual(try Override("1e-3").value(replacing: .string("x")), .string("1e-3"))
        XCTAssertEqual(try Override("generate").value(replacing: nil), .symbol("generate"))
        XCTAssertEqual(try Override("on").value(replacing: .symbol("off")), .symbol("on"))
        XCTAssertEqual(try Override("3").value(replacing: .float(0.5)), .float(3))
        XCTAssertEqual(try Override("[1, 2]").value(replacing: .list([.integer(5)])), .list([.integer(1), .integer(2)]))
        XCTAssertThrowsError(try Override("abc").value(replacing: .integer(3)))
        XCTAssertEqual(try Override("$x").value(replacing: nil), .string("$x"))
    }

    func testSetMismatchIsACheckError() throws {
        let errors = try check("let epochs = 2\nprint $epochs\n", overrides: ["epochs": "many"])
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].hasPrefix("1:--set epochs=many"), "\(errors)")
    }

    /// `--set x=generate` binds the word; it never runs the command.
    func testSetNeverRunsACommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-decl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.ydnn").path
        try "let x = \"a\"\nprint $x\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        i.overrides = ["x": Override("generate")]
        try i.run(path: path)
        XCTAssertEqual(read().out, "generate\n")
        XCTAssertFalse(i.session.data.hasData)
    }

    /// An experiment works on a copy of the session: after it, an index built
    /// before it is still current (it was once reported stale).
    func testIndexBuiltBeforeAnExperimentStaysCurrent() {
        let (console, read) = Console.capture()
        let i = Interpreter(console: console)
        let ok = i.run(source: """
            seed 3
            generate users=150 items=200 categories=4 tags=10 clicks_per_user=10
            vocab min_count=0
            window 3
            embed user_id 8
            lstm items 8
            nce negatives=2
            train epochs=1
            index exact
            let before = evaluate hr@10 via=index
            experiment "e" { train epochs=1
            evaluate hr@10 }
            let after = evaluate hr@10 via=index
            print $before.hr@10 $after.hr@10
            """)
        let (out, err) = read()
        XCTAssertTrue(ok, err)
        let last = out.split(separator: "\n").last.map(String.init) ?? ""
        let values = last.split(separator: " ")
        XCTAssertEqual(values.count, 2, out)
        XCTAssertEqual(values.first, values.last, "the experiment changed the outer model: \(out)")
    }

    func testExperimentRestoresTheWholeSession() {
        let (console, _) = Console.capture()
        let i = Interpreter(console: console)
        XCTAssertTrue(i.run(source: "seed 5\nset precision=3\nwindow 4\nexperiment \"e\" repeat=2 { set precision=6\nwindow 9\nseed 99 }"))
        XCTAssertEqual(i.session.seed, 5)
        XCTAssertEqual(i.session.settings.precision, 3)
        XCTAssertEqual(i.session.data.sampleOptions.history, .window(4))
        XCTAssertEqual(i.experiments.map(\.name), ["e"])
    }

    /// `shuffle none` keeps log order and `buffer` its streamed order in every
    /// epoch: only `full` has the trainer reshuffle.
    func testOnlyAFullShuffleReshufflesEachEpoch() {
        for (mode, reshuffles) in [("none", false), ("buffer size=100", false), ("full", true)] {
            let i = Interpreter(console: Console.capture().0)
            XCTAssertTrue(i.run(source: "shuffle \(mode)\n"))
            XCTAssertEqual(TrainCommand.reshufflesEachEpoch(i.session.data.sampleOptions.shuffle), reshuffles, mode)
        }
    }
}
