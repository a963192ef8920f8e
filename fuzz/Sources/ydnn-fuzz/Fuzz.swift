import Foundation
import YDNN
import YDNNScript

/// Fuzz targets for everything that reads untrusted bytes: the language (lexer,
/// parser and checker, through `Interpreter.check`) and each loader (Paddle,
/// CSV, MovieLens, model files, index files, notebooks). An input may fail in
/// any way that throws; it may not crash, trap, hang or run away with memory.
///
/// Built two ways (scripts/fuzz.sh):
/// - with `-sanitize=fuzzer -D YDNN_FUZZ`: a libFuzzer binary; the target is
///   chosen by `YDNN_FUZZ_TARGET`;
/// - plainly (every `swift build`): `ydnn-fuzz TARGET FILE...` replays inputs,
///   so a crash libFuzzer found is reproduced without libFuzzer.
enum FuzzTarget: String, CaseIterable {
    case recipe, paddle, csv, movielens, model, index, notebook

    /// Runs one input. Errors are the expected outcome for most inputs.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .recipe:
            let interpreter = Interpreter(console: Console.capture().0)
            _ = interpreter.check(source: String(decoding: bytes, as: UTF8.self), name: "fuzz.ydnn")
        case .paddle:
            _ = try? ClickLog.loadPaddle(path: scratch("log.txt", bytes))
        case .csv:
            // The first line names the columns; the fuzzer learns the names from the seeds.
            var columns = CSVColumns(user: "user", item: "item", time: "time")
            (columns.category, columns.tags, columns.rating) = ("genre", "tags", "rating")
            _ = try? ClickLog.loadCSV(path: scratch("log.csv", bytes), columns: columns)
        case .movielens:
            // One input holds the folder's three files, separated by a line "===".
            let parts = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n===\n")
            let names = ["u.data", "u.item", "u.user"]
            var folder = ""
            for (k, name) in names.enumerated() {
                folder = (scratch("ml/" + name, Array((k < parts.count ? parts[k] : "").utf8)) as NSString).deletingLastPathComponent
            }
            _ = try? ClickLog.loadMovieLens(path: folder)
        case .model:
            _ = try? Checkpoint.decode(bytes)
        case .index:
            _ = try? IndexFile.load(path: scratch("items.index", bytes))
        case .notebook:
            _ = try? NotebookDocument.read(Data(bytes), name: "fuzz.ipynb")
        }
    }

    /// Writes `bytes` to a per-process scratch file (the loaders read paths).
    func scratch(_ name: String, _ bytes: [UInt8]) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ydnn-fuzz-\(getpid())")
        let url = dir.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }
}

#if YDNN_FUZZ
nonisolated(unsafe) private var chosen: FuzzTarget? = nil

/// SwiftPM links an executable's entry point under the name `<target>_main`
/// (so tests can link the executable); here it hands control to libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("ydnn_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzOne($0, $1) })
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    if chosen == nil {
        let name = ProcessInfo.processInfo.environment["YDNN_FUZZ_TARGET"] ?? "recipe"
        guard let t = FuzzTarget(rawValue: name) else {
            fatalError("YDNN_FUZZ_TARGET=\(name): use one of \(FuzzTarget.allCases.map(\.rawValue))")
        }
        chosen = t
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    chosen!.run(bytes)
    return 0
}
#else
@main
struct FuzzReplay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: ydnn-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...")
            exit(2)
        }
        var count = 0
        for path in args.dropFirst() {
            var isDir: ObjCBool = false
            let files = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("\(target.rawValue): \(count) inputs replayed, no crash")
    }
}
#endif
