import Foundation
import XCTest
import YDNN

final class DataCSVTests: XCTestCase {
    func testColumnsQuotesAndDates() throws {
        let dir = TempDir()
        let p = dir.write("events.csv", #"""
        ts,who,what,genre,labels,name
        2024-03-01T10:00:00,u1,m1,Drama,Drama|War,"Paths of Glory, The"
        2024-03-01,u1,m2,Comedy,Comedy,"Say ""Cheese"""
        1709290800,u2,m1,Drama,Drama|War,"Paths of Glory, The"

        """#)
        var c = CSVColumns(user: "who", item: "what", time: "ts")
        c.category = "genre"; c.tags = "labels"; c.title = "name"
        let log = try ClickLog.loadCSV(path: p, columns: c)
        XCTAssertEqual(log.numClicks, 3)
        XCTAssertEqual(log.loadReport.malformedCount, 0)
        let u1 = log.user(key: "u1")!
        // 2024-03-01 (midnight) comes before 10:00 the same day.
        XCTAssertEqual(log.clicks(ofUser: u1).map { log.itemKeys[log.clickItems[$0]] }, ["m2", "m1"])
        XCTAssertEqual(log.clicks(ofUser: u1).map { log.time(ofClick: $0) }, [1_709_251_200, 1_709_287_200])
        let m1 = log.item(key: "m1")!
        XCTAssertEqual(log.title(ofItem: m1), "Paths of Glory, The")
        XCTAssertEqual(log.title(ofItem: log.item(key: "m2")!), "Say \"Cheese\"")
        XCTAssertEqual(log.tags(ofItem: m1).map { log.tags[$0] }, ["Drama", "War"])
        XCTAssertEqual(log.provinces.keys, ["NULL"], "no user columns: features are <unk>")
    }

    /// Found by the csv fuzz target: a 30-digit time trapped converting to Int64.
    func testTimesOutOfRangeAreMalformedLines() throws {
        let dir = TempDir()
        let p = dir.write("t.csv", "user,item,time\nu1,i1,1e30\nu1,i2,99999999999999999\nu1,i3,-1e300\nu2,i1,5\nu2,i2,7\n")
        let log = try ClickLog.loadCSV(path: p, columns: CSVColumns(user: "user", item: "item", time: "time"))
        XCTAssertEqual(log.numClicks, 2)
        XCTAssertEqual(log.loadReport.malformedCount, 3)
    }

    func testErrors() throws {
        let dir = TempDir()
        let p = dir.write("e.tsv", "user\titem\ttime\n1\t2\t3\n1\t3\tyesterday\n2\t5\n")
        var c = CSVColumns(user: "user", item: "item", time: "when")
        XCTAssertThrowsError(try ClickLog.loadCSV(path: p, columns: c)) { error in
            XCTAssertTrue("\(error)".contains("no column named 'when'"), "\(error)")
            XCTAssertTrue("\(error)".contains("user, item, time"), "\(error)")
        }
        c.time = "time"
        let log = try ClickLog.loadCSV(path: p, columns: c)
        XCTAssertEqual(log.numClicks, 1)
        XCTAssertEqual(log.loadReport.malformedCount, 2)
        XCTAssertEqual(log.loadReport.firstMalformed.map(\.line), [3, 4])
        XCTAssertThrowsError(try ClickLog.loadCSV(path: p, columns: c, onError: .fail)) { error in
            XCTAssertTrue("\(error)".contains("e.tsv:3:"), "\(error)")
        }
        let header = dir.write("h.csv", "user,item,time\n")
        XCTAssertThrowsError(try ClickLog.loadCSV(path: header, columns: c))
    }

    func testMovieLensFolderErrors() throws {
        let dir = TempDir()
        _ = dir.write("readme.txt", "hello")
        XCTAssertThrowsError(try ClickLog.loadMovieLens(path: dir.path)) { error in
            XCTAssertTrue("\(error)".contains("u.data"), "\(error)")
        }
        XCTAssertThrowsError(try ClickLog.loadMovieLens(path: dir.path + "/missing")) {
            guard case DataError.fileNotFound = $0 else { return XCTFail("\($0)") }
        }
        // A 1M-style folder with a malformed rating line.
        _ = dir.write("movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure\n")
        _ = dir.write("users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
        _ = dir.write("ratings.dat", "1::1::5::978300760\n1::2::3::978302109\n2::1::4\n2::9::4::978300000\n")
        let log = try ClickLog.loadMovieLens(path: dir.path)
        XCTAssertEqual(log.format, "movielens-1m")
        XCTAssertEqual(log.numClicks, 2)
        XCTAssertEqual(log.loadReport.malformedCount, 2)
        XCTAssertTrue(log.loadReport.firstMalformed[1].reason.contains("movie 9"))
        XCTAssertEqual(log.phones[log.userPhone[0]], "F_under18")
        XCTAssertEqual(log.provinces[log.userProvince[0]], "K-12 student")
        XCTAssertEqual(log.tags(ofItem: 0).map { log.tags[$0] }, ["Animation", "Childrens", "Comedy"])
        XCTAssertThrowsError(try ClickLog.loadMovieLens(path: dir.path, onError: .fail))
    }
}
