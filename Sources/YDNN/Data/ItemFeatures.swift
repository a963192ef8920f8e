/// Each item's own feature values, for an item tower: its category and tags (every
/// format has them) and the log's declared per-item features (MovieLens `genres`,
/// `load csv item_features=`). The names are the user tower's: there `genres` is
/// the bag over the history's items, here it is the item's own, in the same
/// vocabulary. Continuous item features are not tower inputs.
extension ClickLog {
    /// The features an item tower can read, in a fixed order: every item's
    /// category and tags, then the declared per-item categorical and list features.
    public var itemFeatureNames: [String] {
        ["categories", "tags"] + declared.filter { $0.scope == .item && $0.kind != .continuous }.map(\.name)
    }
}

extension SampleSet {
    /// The features an item tower can read (`ClickLog.itemFeatureNames`).
    public var itemFeatureNames: [String] { items.log.itemFeatureNames }

    /// Every item id's values of `name` (0 ..< items.count rows; the pad item 0 has
    /// `<unk>`), or nil when items have no such feature.
    public func itemFeatureRows(_ name: String) -> RaggedIDs? {
        switch name {
        case "categories":
            return RaggedIDs(offsets: (0...Int32(context.itemCategory.count)).map { $0 }, ids: context.itemCategory)
        case "tags":
            return RaggedIDs(offsets: context.itemTagStart, ids: context.itemTagIDs)
        default:
            for input in context.declared.inputs where input.scope == .item && input.name == name {
                guard case .ids(let offsets, let ids) = input.rows else { return nil }
                return RaggedIDs(offsets: offsets ?? (0...Int32(ids.count)).map { $0 }, ids: ids)
            }
            return nil
        }
    }
}
