// Compiled into every harness by scripts/fuzz.sh.

/// A harness invariant: unlike `precondition`, `fatalError` prints its message in -O builds, so the fuzz log
/// says which invariant broke.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
