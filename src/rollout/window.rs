//! Running one future per container without holding ten thousand of them at once: each
//! waiting future keeps its request state alive, and a fleet-wide cap on calls means
//! the rest would only wait anyway.

use std::future::Future;

use futures::stream::{self, StreamExt};

/// Containers in progress at once, at most; above any sensible `connection.max_open`.
pub const WINDOW: usize = 512;

/// Every future's output, in order, with at most [`WINDOW`] of them started and not done.
pub async fn windowed<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    stream::iter(futures).buffered(WINDOW).collect().await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn outputs_keep_their_order_and_no_more_than_the_window_run() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let outputs = windowed((0..WINDOW * 3).map(|n| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis((n % 7) as u64)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                n
            }
        }))
        .await;
        assert_eq!(outputs, (0..WINDOW * 3).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), WINDOW);
    }
}
