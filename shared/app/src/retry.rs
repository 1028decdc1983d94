//! Optimistic writes, retried: every use case that reads an order, decides and writes it back on the condition
//! that it did not change runs its attempt through [`retry_on_conflict`], so how often a conflicting write is
//! re-read and what happens when it keeps losing is decided once.

use std::future::Future;

/// How often an order is re-read and rewritten when it changed underneath, unless a use case says otherwise.
pub const ATTEMPTS: u32 = 5;

/// What one attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T> {
    /// Done: this is the result.
    Done(T),
    /// What the attempt read changed before its conditional write: read again and retry.
    Conflict,
}

/// Runs `attempt` (given its number, from 1) until it is done, at most `attempts` times; when every attempt met a
/// conflict, fails with `kept_changing()`. An attempt's error ends the retries at once.
pub async fn retry_on_conflict<T, E, F, Fut>(
    attempts: u32,
    mut attempt: F,
    kept_changing: impl FnOnce() -> E,
) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    for number in 1..=attempts {
        match attempt(number).await? {
            Attempt::Done(value) => return Ok(value),
            Attempt::Conflict => conflicted(number),
        }
    }
    Err(kept_changing())
}

/// Logs a conflicting attempt (one function for every use case's instantiation of [`retry_on_conflict`]).
#[inline(never)]
fn conflicted(attempt: u32) {
    tracing::debug!(attempt, "conflicting write; reading again");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retries_conflicts_then_returns_the_result() {
        let mut seen = Vec::new();
        let result: Result<u32, String> = retry_on_conflict(
            5,
            |n| {
                seen.push(n);
                async move { Ok(if n < 3 { Attempt::Conflict } else { Attempt::Done(n * 10) }) }
            },
            || "kept changing".to_owned(),
        )
        .await;
        assert_eq!(result, Ok(30));
        assert_eq!(seen, [1, 2, 3]);
    }

    #[tokio::test]
    async fn gives_up_after_the_last_attempt() {
        let mut calls = 0;
        let result: Result<(), String> = retry_on_conflict(
            4,
            |_| {
                calls += 1;
                async { Ok(Attempt::Conflict) }
            },
            || "kept changing".to_owned(),
        )
        .await;
        assert_eq!(result, Err("kept changing".to_owned()));
        assert_eq!(calls, 4);
    }

    #[tokio::test]
    async fn an_error_ends_the_retries() {
        let mut calls = 0;
        let result: Result<(), String> = retry_on_conflict(
            4,
            |_| {
                calls += 1;
                async { Err("table failed".to_owned()) }
            },
            || "kept changing".to_owned(),
        )
        .await;
        assert_eq!(result, Err("table failed".to_owned()));
        assert_eq!(calls, 1);
    }
}
