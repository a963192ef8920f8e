import XCTest
import YDNN

final class RetrievalVectorSetTests: XCTestCase {
    func testShapesAndErrors() throws {
        XCTAssertThrowsError(try VectorSet(count: 2, dimension: 3, values: [1, 2, 3]))
        XCTAssertThrowsError(try VectorSet(count: 1, dimension: 0, values: []))
        XCTAssertThrowsError(try VectorSet(rows: [[1, 2], [3]]))
        var v = try VectorSet(rows: [[1, 2], [3, 4]])
        v.append([5, 6])
        XCTAssertEqual(v.count, 3)
        XCTAssertEqual(v.row(2), [5, 6])
        XCTAssertEqual(v.rows([2, 0]).values, [5, 6, 1, 2])
        v.setRow(1, [0, 0])
        XCTAssertEqual(v.normalized().row(1), [0, 0])
        XCTAssertEqual(v.norms()[0], Float(5).squareRoot(), accuracy: 1e-6)
    }

    func testRandomUnitIsReproducibleAndUnit() {
        let a = VectorSet.randomUnit(count: 50, dimension: 7, seed: 9)
        XCTAssertEqual(a, VectorSet.randomUnit(count: 50, dimension: 7, seed: 9))
        XCTAssertNotEqual(a, VectorSet.randomUnit(count: 50, dimension: 7, seed: 10))
        for n in a.norms() { XCTAssertEqual(n, 1, accuracy: 1e-5) }
    }
}
