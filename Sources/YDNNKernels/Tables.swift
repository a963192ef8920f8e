#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocates `byteCount` bytes for a large, randomly accessed table (graph links,
/// vectors, visited stamps). Above 4 MB the block is 2 MB-aligned and marked for
/// transparent huge pages (the machine's THP mode is `madvise`): a graph search
/// touches pages all over hundreds of megabytes, and with 4 KB pages nearly every
/// access also missed the TLB. Free with `deallocate()`.
package func allocateTable(byteCount: Int) -> UnsafeMutableRawPointer {
    let size = max(64, byteCount)
    guard size >= 4 << 20 else { return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
    let hugePage = 2 << 20
    let rounded = (size + hugePage - 1) / hugePage * hugePage
    let p = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: hugePage)
    #if os(Linux)
    _ = madvise(p, rounded, MADV_HUGEPAGE)  // advisory: on failure we simply keep 4 KB pages
    #endif
    return p
}
