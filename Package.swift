// swift-tools-version:6.0
import PackageDescription

// Release flags. Root package only, so unsafeFlags are fine.
//
// `-target-cpu haswell` everywhere: without it Swift compiles for baseline x86-64
// and SIMD code gets no AVX2/FMA (a SIMD8 FMA kernel ran ~100x slower, see
// PLATFORM-NOTES).
//
// `-Ounchecked` only for YDNNKernels: it drops every `precondition`, overflow and
// bounds check, so it belongs only where a measurement showed the checks cost
// something: the numeric inner loops (BLAS bridge, SIMD scoring, top-K heaps),
// which were measured under -Ounchecked. Everything else (the library's 50-odd
// argument checks, the language, the REPL) keeps its preconditions in release.
// Note that @inlinable kernel helpers are compiled into their callers and follow
// the callers' flags.
//
// `-Xcc -fno-math-errno` for YDNNKernels: the standard library's square root goes
// through a C shim with glibc's `sqrtf` semantics (errno on a negative input), which
// kept `SIMD8.squareRoot()` from becoming one `vsqrtps` (eight guarded scalar roots
// instead; Adam was 12.7% of a training step). Nothing in the kernels reads errno.
let release: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
]
let kernels: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell", "-Xcc", "-fno-math-errno"], .when(configuration: .release)),
]

let package = Package(
    name: "ydnn",
    products: [
        .executable(name: "ydnn", targets: ["ydnn"]),
        .library(name: "YDNN", targets: ["YDNN"]),
        .library(name: "YDNNScript", targets: ["YDNNScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: installed by scripts/setup.sh (apt-get).
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Cancellation: the token long work polls and the SIGINT handler that cancels it.
        // No dependencies, so the line editor can use it without the model library.
        .target(name: "YDNNSignals", swiftSettings: release),
        // The numeric kernels: the OpenBLAS bridge, SIMD dot products, item-panel
        // scoring, top-K heaps. The only target built with -Ounchecked (see above).
        .target(name: "YDNNKernels", dependencies: ["COpenBLAS"], swiftSettings: kernels),
        // The model library: tensors, data, model, retrieval. Knows nothing of the language.
        .target(name: "YDNN", dependencies: ["YDNNKernels", "YDNNSignals"], swiftSettings: release),
        // The language: lexer, parser, AST, checker, interpreter, command registry.
        .target(name: "YDNNScript", dependencies: ["YDNN"], swiftSettings: release),
        // The line editor: libedit, history, completion, continuation. Knows nothing of
        // the language nor of the model.
        .target(name: "YDNNRepl", dependencies: ["YDNNSignals", "CEditLine"], swiftSettings: release),
        // The executable: `ydnn run FILE`, `ydnn check FILE`, `ydnn` (REPL).
        .executableTarget(
            name: "ydnn",
            dependencies: [
                "YDNNScript", "YDNNRepl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: release
        ),

        .executableTarget(name: "ydnn-bench", dependencies: ["YDNN", "YDNNTestSupport"], path: "benchmarks/Sources/ydnn-bench",
                          swiftSettings: release),

        // Fuzz targets (scripts/fuzz.sh builds them with libFuzzer; plainly built, a replayer).
        .executableTarget(name: "ydnn-fuzz", dependencies: ["YDNN", "YDNNScript"], path: "fuzz/Sources/ydnn-fuzz",
                          swiftSettings: release),

        // Generated sample sets for the model's tests and benchmarks: not part of any product.
        .target(name: "YDNNTestSupport", dependencies: ["YDNN"], path: "Tests/YDNNTestSupport"),
        .testTarget(name: "YDNNTests", dependencies: ["YDNN", "YDNNTestSupport"]),
        .testTarget(name: "YDNNScriptTests", dependencies: ["YDNNScript"]),
        .testTarget(name: "YDNNReplTests", dependencies: ["YDNNRepl"]),
        // Runs the built `ydnn` binary on scripts; needs no module of ours.
        .testTarget(name: "CLITests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
