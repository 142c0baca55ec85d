internal import CArgon2
import Glibc
import Synchronization

/// One Argon2 work area per process, reused from hash to hash: lent to Gatehouse's own Argon2id
/// (``withArea(_:_:)``) and to libargon2 through its `allocate_cbk` and `free_cbk` ("custom memory
/// allocation", argon2.h).
///
/// Above glibc's largest mmap threshold (32 MiB) every hash would map its area afresh and page-fault all of
/// it in again (FACTS.md); below it, the area still has to be found in the heap each time. Keeping one area
/// avoids both. Both implementations wipe the area before giving it back (libargon2's `clear_internal_memory`
/// before `free_cbk`, CArgon2id before `cargon2id_hash` returns), so nothing of one password outlives its
/// hash. A second hash running at the same time on another thread gets its own area, freed when it is done.
/// The kept area is as large as the largest hash so far, which the verify cap bounds.
enum Argon2Memory {
    /// The kept area, by address (a plain integer, so the lock guards no pointer type).
    private struct Pool: ~Copyable {
        var address: UInt = 0
        var capacity = 0
        var inUse = false
    }

    private static let pool = Mutex(Pool())

    /// `allocate_fptr`: libargon2 reads `*memory`, NULL meaning out of memory; the return value is unused.
    static let allocate: allocate_fptr = { memory, bytes in
        let address = acquire(bytes)
        unsafe memory?.pointee = unsafe UnsafeMutablePointer<UInt8>(bitPattern: address)
        return address == 0 ? ARGON2_MEMORY_ALLOCATION_ERROR.rawValue : ARGON2_OK.rawValue
    }

    /// `deallocate_fptr`: the kept area goes back to the pool, any other area is freed.
    static let free: deallocate_fptr = { memory, _ in
        guard let memory = unsafe memory else { return }
        release(UInt(bitPattern: UnsafeMutableRawPointer(memory)))
    }

    /// Calls `body` with an area of at least `bytes` bytes (64-byte aligned): the kept one when it is free.
    /// Gatehouse's own Argon2id (CArgon2id) borrows its work area this way; it wipes the area itself.
    static func withArea<T>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) -> T) -> T {
        let address = acquire(bytes)
        defer { release(address) }
        return unsafe body(UnsafeMutableRawPointer(bitPattern: address)!)
    }

    /// The kept area when it is free (grown to `bytes` if smaller), else a new one.
    private static func acquire(_ bytes: Int) -> UInt {
        pool.withLock { pool -> UInt in
            guard !pool.inUse else { return newArea(bytes) }
            if pool.capacity < bytes {
                if pool.address != 0 { unsafe UnsafeMutableRawPointer(bitPattern: pool.address)?.deallocate() }
                pool.address = newArea(bytes)
                pool.capacity = bytes
            }
            pool.inUse = true
            return pool.address
        }
    }

    /// Gives an area from ``acquire(_:)`` back: the kept one to the pool, any other to the allocator.
    private static func release(_ address: UInt) {
        let kept = pool.withLock { pool -> Bool in
            guard address == pool.address else { return false }
            pool.inUse = false
            return true
        }
        if !kept { unsafe UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// A new area: 64-byte aligned, and from 2 MiB on, 2 MiB aligned and asked to be backed by transparent
    /// huge pages (`MADV_HUGEPAGE`; Debian's default THP mode is `madvise`). Argon2 reads blocks all over its
    /// area, so with 4 KiB pages most reads also miss the TLB: CArgon2id's AVX2 path hashed 8–14 % faster on
    /// huge pages here (m=19456 and m=65536, docs/PERFORMANCE.md). Where the kernel grants none, nothing changes.
    private static func newArea(_ bytes: Int) -> UInt {
        let hugePage = 2 << 20
        guard bytes >= hugePage else {
            return UInt(bitPattern: UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64))
        }
        let size = (bytes + hugePage - 1) / hugePage * hugePage
        let area = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: hugePage)
        _ = unsafe madvise(area, size, MADV_HUGEPAGE)
        return UInt(bitPattern: area)
    }
}
