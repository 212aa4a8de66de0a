extension String {
    /// The first `count` Unicode scalars: the unit of PostgreSQL's `length` and of the database's CHECK limits.
    /// (`prefix(_:)` counts characters, and 200 characters with combining marks are more than 200 code points.)
    func prefix(scalars count: Int) -> String {
        String(String.UnicodeScalarView(unicodeScalars.prefix(count)))
    }
}
