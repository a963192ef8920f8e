import Foundation
import XCTest
import YDNN

/// `load movielens` on the ml-latest layout: ratings.csv, movies.csv, tags.csv.
final class DataMovieLensLatestTests: XCTestCase {
    func testHandMadeFolder() throws {
        let dir = TempDir()
        _ = dir.write("movies.csv", """
        movieId,title,genres
        1,Toy Story (1995),Adventure|Animation|Children
        2,"American President, The (1995)",Comedy|Drama|Romance
        3,Untitled,(no genres listed)
        4,Never Rated (2001),Drama

        """)
        _ = dir.write("ratings.csv", """
        userId,movieId,rating,timestamp
        1,2,4.5,200
        1,1,4.0,100
        1,3,2.0,300
        2,1,5.0,50
        2,9,3.0,60
        2,3,4.0,65
        2,2,3.5,70

        """)
        // User 1 tags before, at and after their clicks; user 7 has no ratings.
        _ = dir.write("tags.csv", """
        userId,movieId,tag,timestamp
        1,1,Pixar,90
        1,2,politics,200
        1,3,Late,400
        7,1,ghost,10

        """)
        let log = try ClickLog.loadMovieLens(path: dir.path)
        XCTAssertEqual(log.format, "movielens-latest")
        XCTAssertEqual(log.numUsers, 2)
        XCTAssertEqual(log.numItems, 4, "the catalogue includes a movie nobody rated")
        XCTAssertEqual(log.numClicks, 6)
        XCTAssertEqual(log.loadReport.malformedCount, 1, "movie 9 is not in movies.csv")
        XCTAssertTrue(log.loadReport.firstMalformed[0].reason.contains("movie 9"))
        let president = log.item(key: "M2")!
        XCTAssertEqual(log.title(ofItem: president), "American President, The (1995)")
        XCTAssertEqual(log.categories[log.itemCategory[president]], "Comedy")
        XCTAssertEqual(log.tags(ofItem: president).map { log.tags[$0] }, ["Comedy", "Drama", "Romance"])
        XCTAssertEqual(log.declaredColumn("genres")!.text(ofRow: president), "Comedy|Drama|Romance")
        XCTAssertEqual(log.declaredColumn("genres")!.text(ofRow: log.item(key: "M3")!), "NULL")
        XCTAssertEqual(log.itemUploadTimes[log.item(key: "M1")!], 788_918_400, "1 January 1995")
        XCTAssertEqual(log.itemUploadTimes[log.item(key: "M3")!], 0, "no year in the title")
        let u1 = log.user(key: "U1")!
        XCTAssertEqual(log.clicks(ofUser: u1).map { log.itemKeys[log.clickItems[$0]] }, ["M1", "M2", "M3"])
        XCTAssertEqual(log.clicks(ofUser: u1).map { log.rating(ofClick: $0)! }, [4.0, 4.5, 2.0])

        // tags.csv is the stream `tokens`: user keys found through the U prefix,
        // and no training example sees a tag applied at or after its click.
        XCTAssertEqual(log.tokenStreams.map(\.name), [GeneratorOptions.searchStream])
        let stream = log.tokenStreams[0]
        XCTAssertEqual(stream.ids.count, 3)
        XCTAssertTrue(log.loadReport.warnings.contains { $0.contains("1 tags of users without ratings") })
        let split = try Split(log: log, holdout: .last)
        let vocab = Vocabularies(log: log, minCount: 0, split: split)
        let v = vocab.declared.vocabulary(GeneratorOptions.searchStream)!
        let s = try SampleSet.build(log: log, vocab: vocab, split: split, options: ordered(.window(5)))
        let sTrain = s.train.materialized()
        let keys = { (b: SampleBatch, k: Int) in b.ids(GeneratorOptions.searchStream, k).map { v.key($0) } }
        let rows = (0..<s.train.count).filter { sTrain.users[$0] == Int32(u1) }
        // Targets M1 at 100 (sees pixar at 90) and M2 at 200 (politics at 200 is not before it).
        XCTAssertEqual(rows.map { keys(sTrain, $0) }, [["pixar"], ["pixar"]])
        // The held-out M3 at 300 sees pixar and politics, not late (400).
        guard let t = s.test.users.firstIndex(of: Int32(u1)) else { return XCTFail("user 1 has no test sample") }
        XCTAssertEqual(keys(s.test, t), ["pixar", "politics"])
    }

    func testWithoutTagsThereIsNoStream() throws {
        let dir = TempDir()
        _ = dir.write("movies.csv", "movieId,title,genres\n1,A (1990),Drama\n")
        _ = dir.write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,3,5\n")
        let log = try ClickLog.loadMovieLens(path: dir.path)
        XCTAssertTrue(log.tokenStreams.isEmpty)
        XCTAssertEqual(log.numClicks, 1)
    }

    func testSharedMLLatestSmall() throws {
        let path = SharedData.root + "/ml-latest-small"
        try SharedData.require(path + "/ratings.csv")
        let log = try ClickLog.loadMovieLens(path: path)
        XCTAssertEqual(log.numUsers, 610)
        XCTAssertEqual(log.numItems, 9742)
        XCTAssertEqual(log.numClicks, 100_836)
        XCTAssertEqual(log.loadReport.malformedCount, 0)
        XCTAssertEqual(log.tokenStreams[0].ids.count, 3683)
        XCTAssertEqual(log.title(ofItem: log.item(key: "M1")!), "Toy Story (1995)")
        // The same clicks as `load csv` reads from ratings.csv.
        let csv = try ClickLog.loadCSV(path: path + "/ratings.csv", columns: CSVColumns(user: "userId", item: "movieId", time: "timestamp"))
        XCTAssertEqual(csv.numClicks, log.numClicks)
        let u = log.user(key: "U1")!, c = csv.user(key: "1")!
        XCTAssertEqual(log.clicks(ofUser: u).map { log.itemKeys[log.clickItems[$0]] },
                       csv.clicks(ofUser: c).map { "M" + csv.itemKeys[csv.clickItems[$0]] })
    }
}
