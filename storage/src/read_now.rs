//! The answer of a read that a store may give without waiting.

/// What a store answers to a read it was asked to do at once, without an `await`.
///
/// Stores that keep their records in memory answer every such read; the others say they must
/// wait, and the caller uses the `async` method instead. The session check of every request
/// reads a session and a user this way first: each call of an `async` trait method allocates
/// and frees a boxed future, a measurable part of a request that needs no waiting at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadNow<T> {
    /// The store answered: the record, or `None` when there is none.
    Answered(Option<T>),
    /// The store cannot answer without waiting; ask the `async` method.
    MustWait,
}
