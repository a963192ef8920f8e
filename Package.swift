// swift-tools-version:6.0
import PackageDescription

// Release builds are where speed matters: -Ounchecked drops bounds checks in the
// numeric kernels and -target-cpu haswell lets SIMD use AVX2 + FMA (about 100x on
// the kernels measured in PLATFORM-NOTES). Root package only, so unsafeFlags are fine.
let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release)),
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

        // The model library: tensors, data, model, retrieval. Knows nothing of the language.
        .target(name: "YDNN", dependencies: ["COpenBLAS"], swiftSettings: fast),
        // The language: lexer, parser, AST, checker, interpreter, command registry.
        .target(name: "YDNNScript", dependencies: ["YDNN"], swiftSettings: fast),
        // The line editor: libedit, history, completion, continuation. Knows nothing of the language.
        .target(name: "YDNNRepl", dependencies: ["YDNN", "CEditLine"], swiftSettings: fast),
        // The executable: `ydnn run FILE`, `ydnn check FILE`, `ydnn` (REPL).
        .executableTarget(
            name: "ydnn",
            dependencies: [
                "YDNNScript", "YDNNRepl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast
        ),

        .executableTarget(name: "ydnn-bench", dependencies: ["YDNN"], path: "benchmarks/Sources/ydnn-bench", swiftSettings: fast),

        .testTarget(name: "YDNNTests", dependencies: ["YDNN"]),
        .testTarget(name: "YDNNScriptTests", dependencies: ["YDNNScript"]),
        .testTarget(name: "YDNNReplTests", dependencies: ["YDNNRepl"]),
        // Runs the built `ydnn` binary on scripts; needs no module of ours.
        .testTarget(name: "CLITests", dependencies: []),
    ],
    swiftLanguageModes: [.v5]
)
