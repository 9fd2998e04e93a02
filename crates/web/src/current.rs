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
}

impl CurrentPlan {
    pub async fn get(&self, store: &Store) -> Result<Option<Plan>, StoreError> {
        if let Ok(c) = self.cached.lock()
            && let Some((at, plan)) = c.as_ref()
            && at.elapsed() < TTL
        {
            return Ok(plan.clone());
        }
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

/// The plan the pages show: the newest import.
pub async fn current_plan(app: &crate::state::AppState) -> Result<Option<Plan>, StoreError> {
    app.current.get(&app.store).await
}
