use std::sync::Arc;

use duban_store::Store;

use crate::Config;
use crate::current::CurrentPlan;
use crate::routes::import::PendingImports;
use crate::views::Templates;

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    pub pending: Arc<PendingImports>,
    pub current: Arc<CurrentPlan>,
    /// The reminder job (run periodically when configured, or once by an admin).
    pub notifier: duban_notify::Notifier,
    /// The overview's light counts and ranking, cached per revision (see `oversight`).
    pub overview_caches: Arc<crate::oversight::OverviewCaches>,
    /// Rendered public pages (公开), cached per plan revision.
    pub public_pages: Arc<crate::routes::public::PublicCache>,
    /// User name → "姓名（单位）", for pages that show who did something.
    pub people: Arc<crate::people::People>,
}
