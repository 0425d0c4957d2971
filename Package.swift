// swift-tools-version: 6.0
import PackageDescription

// Layering (see README "Module map"): VariantCore (pure values) <- VCF (htslib adapter) <- varde (CLI).
// CHTSlib is imported only by VCF, so no htslib type reaches a public signature.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// An executable exports nothing, so its imports need no access levels.
let executableSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Varde",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "varde", targets: ["varde"]),
        .library(name: "VariantCore", targets: ["VariantCore"]),
        .library(name: "VCF", targets: ["VCF"]),
        .library(name: "VariantQuery", targets: ["VariantQuery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // varde serve: HTTP server (Hummingbird 2), logging, Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The web UI under /ui/: server-rendered HTML templates (HTML-escaped by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CHTSlib",
            pkgConfig: "htslib",
            providers: [.apt(["libhts-dev"])]
        ),
        .target(name: "VariantCore", swiftSettings: strictSettings),
        .target(name: "VCF", dependencies: ["CHTSlib", "VariantCore"], swiftSettings: strictSettings),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The call-segment codec (carrier lists, linkage, Rice coding, counts from the bytes): no domain, no driver.
        .target(name: "SegmentCodec", swiftSettings: strictSettings),
        .target(name: "VariantStore", dependencies: ["VariantCore", "SegmentCodec"], swiftSettings: strictSettings),
        // The store's logic over SQL, shared by every engine behind the SQLConnection protocol; no driver.
        .target(name: "VariantStoreSQL", dependencies: ["VariantStore", "VariantCore", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        // The SQLite engine (the embedded default) and the PostgreSQL engine over PostgresNIO.
        .target(name: "VariantStoreSQLite", dependencies: ["CSQLite", "VariantStoreSQL", "VariantStore", "VariantCore"], swiftSettings: strictSettings),
        .target(name: "VariantStorePostgres", dependencies: ["VariantStoreSQL", "VariantStore", "VariantCore",
                                                            .product(name: "PostgresNIO", package: "postgres-nio")],
                swiftSettings: strictSettings),
        // The one factory behind --store / VARDE_STORE: a path opens SQLite, a postgres:// URL PostgreSQL.
        .target(name: "StoreFactory", dependencies: ["VariantStore", "VariantStoreSQLite", "VariantStorePostgres"], swiftSettings: strictSettings),
        .target(name: "Loader", dependencies: ["VCF", "VariantStore", "VariantCore", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        .target(name: "VariantQuery", dependencies: ["VariantCore", "VCF", "VariantStore", "Loader"], swiftSettings: strictSettings),
        // OMOP: vocabulary loading, concept mapping, CDM 5.4 export (CSV and PostgreSQL via PostgresNIO), DQD checks.
        .target(name: "OMOP", dependencies: ["VariantStore", "VariantCore", "VariantStorePostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                                             .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        // FHIR: the store's people as HL7 FHIR R4 Genomics Reporting resources (varde fhir export).
        .target(name: "FHIR", dependencies: ["VariantStore", "VariantCore", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),
        .target(name: "VardeService", dependencies: [
                    "VariantCore", "VariantStore", "VariantQuery", "Loader",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdCore", package: "hummingbird"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Metrics", package: "swift-metrics"),
                    .product(name: "Prometheus", package: "swift-prometheus"),
                    .product(name: "Crypto", package: "swift-crypto"),
                    .product(name: "Mustache", package: "swift-mustache"),
                ], swiftSettings: strictSettings),
        .executableTarget(
            name: "varde",
            dependencies: [
                "VariantCore", "VCF", "VariantStore", "VariantStoreSQLite", "VariantStorePostgres", "StoreFactory", "Loader", "VariantQuery", "OMOP", "FHIR", "VardeService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: executableSettings
        ),
        // In-process query latencies for bench/query.sh (not part of the product).
        .executableTarget(name: "varde-bench", dependencies: ["VariantCore", "VariantQuery", "VariantStore", "VariantStoreSQLite"], path: "bench/VardeBench",
                          swiftSettings: executableSettings),
        .target(name: "TestSupport", dependencies: ["VariantCore"], path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(name: "VariantCoreTests", dependencies: ["VariantCore", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "VCFTests", dependencies: ["VCF", "VariantCore", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "SegmentCodecTests", dependencies: ["SegmentCodec"], swiftSettings: strictSettings),
        .testTarget(name: "VariantStoreTests", dependencies: ["VariantStore", "VariantStoreSQL", "VariantStoreSQLite", "VariantStorePostgres", "StoreFactory", "Loader", "VCF", "VariantCore", "TestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "OMOPTests", dependencies: ["OMOP", "VariantStore", "VariantStoreSQLite", "VariantCore", "TestSupport"],
                    swiftSettings: strictSettings),
        .testTarget(name: "VardeServiceTests", dependencies: [
                        "VardeService", "VariantQuery", "VariantStore", "VariantStoreSQLite", "VariantCore", "TestSupport", "varde",
                        .product(name: "HummingbirdTesting", package: "hummingbird"),
                    ], swiftSettings: strictSettings),
        .testTarget(name: "VardeCLITests", dependencies: ["TestSupport", "varde"], swiftSettings: strictSettings),
        .testTarget(name: "FHIRTests", dependencies: ["FHIR", "VariantStore", "VariantCore", "TestSupport", "varde"], swiftSettings: strictSettings),
    ]
)
