import Dispatch

/// Runs `a` and `b` at once, on two threads when a core is free; returns when both have. For work that shares
/// nothing mutable but what each closure alone writes (a cohort count beside a table read, two halves of an
/// output).
public func inParallel(_ a: () -> Void, _ b: () -> Void) {
    withoutActuallyEscaping(a) { a in
        withoutActuallyEscaping(b) { b in
            nonisolated(unsafe) let work = [a, b]
            DispatchQueue.concurrentPerform(iterations: 2) { work[$0]() }
        }
    }
}
