//! Which plan the pages show: the newest import.
//!
//! Listing plans counts their tasks, which costs milliseconds on a 50,000-task plan, and
//! every request needs the answer; so it is kept for a short while. An import through this
//! instance refreshes it at once; one through another instance shows within `TTL`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use duban_store::{Plan, Store, StoreError};

const TTL: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct CurrentPlan {
    cached: Mutex<Option<(Instant, Option<Plan>)>>,
    /// Set while one request reads the plan afresh: the others answer the remembered one
    /// meanwhile (at most a read's time older than `TTL`) instead of all reading it at once
    /// when it expires under load.
    refreshing: std::sync::atomic::AtomicBool,
}

impl CurrentPlan {
    pub async fn get(&self, store: &Store) -> Result<Option<Plan>, StoreError> {
        use std::sync::atomic::Ordering;
        let remembered = match self.cached.lock() {
            Ok(c) => c.clone(),
            Err(_) => None,
        };
        if let Some((at, plan)) = &remembered {
            if at.elapsed() < TTL {
                return Ok(plan.clone());
            }
            if self.refreshing.swap(true, Ordering::AcqRel) {
                return Ok(plan.clone());
            }
        }
        // Cleared however this read ends, a request dropped midway included.
        let _turn = remembered.is_some().then_some(Turn(&self.refreshing));
        let plan = store.plans().await?.into_iter().next();
        if let Ok(mut c) = self.cached.lock() {
            *c = Some((Instant::now(), plan.clone()));
        }
        Ok(plan)
    }

    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cached.lock() {
            *c = None;
        }
    }
}

/// The refresher's turn, given back when dropped.
struct Turn<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

/// The plan the pages show: the newest import.
pub async fn current_plan(app: &crate::state::AppState) -> Result<Option<Plan>, StoreError> {
    app.current.get(&app.store).await
}
