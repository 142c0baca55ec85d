import Store

/// The asset list pages this worker wrote lately, each kept with the ids and versions of its rows, so asking
/// for the same page again costs a read of the sort index alone (`Assets.listKeys`; the sort indexes end with
/// the version) and a copy, instead of reading, decoding and writing fifty rows. A page not kept costs that
/// index read on top of the usual work.
///
/// Never stale: a page is served from here only when the same query still returns the same rows at the same
/// versions, in the same order, and a version names exactly one state of a row (the API moves it on every
/// update, and a trigger moves it for any other update; only a row deleted and inserted again by hand under
/// the same id, at the same version, would fool it). A page that changed is written again and replaces the old
/// one. Bounded to 2 MiB of JSON: when full it starts over.
final class RenderedPages {
    struct Key: Hashable {
        let filter: AssetFilter
        let order: ListOrder<AssetColumn>
        let limit: Int
        let cursor: String?
    }

    private struct Entry {
        let rows: [AssetKey]
        let nextCursor: String?
        let json: [UInt8]
    }

    private var entries: [Key: Entry] = [:]
    private var bytes = 0
    private let capacity: Int

    init(capacityBytes: Int = 2 << 20) {
        capacity = capacityBytes
    }

    /// The page's JSON, if it was written for exactly these rows.
    func json(_ key: Key, rows: Page<AssetKey>) -> [UInt8]? {
        guard let entry = entries[key], entry.rows == rows.items, entry.nextCursor == rows.nextCursor else {
            return nil
        }
        return entry.json
    }

    /// Keeps the JSON written for these rows.
    func insert(_ key: Key, rows: Page<AssetKey>, json: [UInt8]) {
        if let old = entries[key] { bytes -= old.json.count }
        if bytes + json.count > capacity {
            entries.removeAll(keepingCapacity: true)
            bytes = 0
        }
        entries[key] = Entry(rows: rows.items, nextCursor: rows.nextCursor, json: json)
        bytes += json.count
    }
}

// One per worker process, used by its single thread.
@available(*, unavailable)
extension RenderedPages: Sendable {}
