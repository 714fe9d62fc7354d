//! Requests asking the same question at the same time share one answer: two hundred
//! dashboards polling status cost the engines one status, not two hundred.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::{BoxFuture, FutureExt, Shared};

use super::error::ApiError;

type Pending<T> = Shared<BoxFuture<'static, Result<Arc<T>, ApiError>>>;

pub struct Coalesce<T> {
    in_flight: Mutex<HashMap<String, Pending<T>>>,
}

impl<T> Default for Coalesce<T> {
    fn default() -> Self {
        Self {
            in_flight: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Send + Sync + 'static> Coalesce<T> {
    /// The answer to `key`: the one being worked out now if there is one, else the one
    /// `start` works out.
    pub async fn answer(
        &self,
        key: String,
        start: impl FnOnce() -> BoxFuture<'static, Result<T, ApiError>>,
    ) -> Result<Arc<T>, ApiError> {
        let pending = {
            let mut in_flight = self.in_flight.lock().expect("in flight");
            match in_flight.get(&key) {
                Some(pending) => pending.clone(),
                None => {
                    let pending = start().map(|result| result.map(Arc::new)).boxed().shared();
                    in_flight.insert(key.clone(), pending.clone());
                    pending
                }
            }
        };
        let result = pending.await;
        // The first to see it done forgets it: the next question is asked afresh.
        let mut in_flight = self.in_flight.lock().expect("in flight");
        if in_flight
            .get(&key)
            .is_some_and(|pending| pending.peek().is_some())
        {
            in_flight.remove(&key);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn questions_asked_together_are_worked_out_once() {
        let coalesce = Arc::new(Coalesce::<usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let asks = (0..50).map(|_| {
            let coalesce = Arc::clone(&coalesce);
            let runs = Arc::clone(&runs);
            tokio::spawn(async move {
                coalesce
                    .answer("status".into(), || {
                        async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            Ok(7)
                        }
                        .boxed()
                    })
                    .await
            })
        });
        for answer in futures::future::join_all(asks).await {
            assert_eq!(*answer.unwrap().unwrap(), 7);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Asked again later, it is worked out again.
        let again = coalesce
            .answer("status".into(), || async { Ok(8) }.boxed())
            .await
            .unwrap();
        assert_eq!(*again, 8);
    }
}
