import Store

/// The worker's asset rows already written as JSON, by id, each valid for one version of its row.
///
/// A list page reads only the ids and versions of its rows, writes the rows it has at that version from here,
/// and fetches and writes only the others: decoding fourteen columns and writing them took most of a page's
/// time. A version names exactly one state of a row (the API moves it on every update, and a trigger moves it
/// for any other update), so a copy at the right version is the row; updates and deletes need no invalidation,
/// and a row of another zone is never listed, so never written from here. Bounded: when full it starts over
/// (8,192 rows of about 400 bytes).
final class RenderedAssets {
    private var rows: [String: (version: Int64, json: [UInt8])] = [:]
    private let capacity: Int

    init(capacity: Int = 8_192) {
        self.capacity = capacity
    }

    /// The JSON of the asset at `key.version`, if this worker wrote it before.
    func json(_ key: AssetKey) -> [UInt8]? {
        guard let row = rows[key.id], row.version == key.version else { return nil }
        return row.json
    }

    /// Writes `asset` and keeps it; returns its JSON.
    @discardableResult
    func insert(_ asset: Asset) -> [UInt8] {
        var out = JSONOutput(capacity: 512)
        AssetBody.write(asset, to: &out)
        if rows.count >= capacity { rows.removeAll(keepingCapacity: true) }
        rows[asset.id] = (asset.version, out.bytes)
        return out.bytes
    }
}

// One per worker process, used by its single thread.
@available(*, unavailable)
extension RenderedAssets: Sendable {}
