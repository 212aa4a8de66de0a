extension Array {
    /// `head` followed by `tail`, in a buffer just that large. `+`, `+=` and `append(contentsOf:)` on an array
    /// whose buffer is shared (an index's rows while the old index is still in use) copy into a buffer of twice the
    /// old capacity: a long-lived index built that way would carry as much slack as data.
    static func concatenating(_ head: some Collection<Element>, _ tail: some Collection<Element>) -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(head.count + tail.count)
        all.append(contentsOf: head)
        all.append(contentsOf: tail)
        return all
    }
}
