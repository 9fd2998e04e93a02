//! The office's overview of the reporting cycle: each task's light, the units' ranking in a
//! round, and the data of the documents (year-end report, ledger, bulletin). Handlers call
//! these and render; nothing here knows about HTTP.

use std::collections::HashMap;
use std::sync::Arc;

use duban_docs::{BulletinData, LaggingTask, NoticeRow, UnitRow};
use duban_store::{
    LightRevision, Plan, PlanId, RevisionCache, Round, RoundId, Scope, Store, StoreError,
    TaskFilter, TaskId, TaskSummary, UnitRoundStats,
};
use serde::Serialize;

use crate::lights::{self, Light};
use crate::routes::pages::TaskPageData;

pub use duban_store::{LightTally as LightCounts, current_open_round};

/// Lights for a page of tasks, by task id: read whole from the lights the store keeps (one
/// indexed query), after recomputing any the database has marked since. The ids come from a
/// read already narrowed to the user's scope.
pub async fn lights_for(
    store: &Store,
    plan: PlanId,
    ids: &[TaskId],
) -> Result<HashMap<i64, Light>, StoreError> {
    store.page_lights(plan, ids, &lights::today_cst()).await
}

/// What a task page is remembered at: its mark, its plan's light revision and the day.
pub type TaskPageRevision = (i64, LightRevision, String);

/// A page of the task list as the HTML list shows it: its rows, the filter's total and each
/// row's light.
#[derive(Debug)]
pub struct ListPage {
    pub rows: Vec<TaskSummary>,
    pub total: i64,
    pub lights: HashMap<i64, Light>,
    /// The page rendered as HTML (filters, rows and pager), with the query it was rendered
    /// for. Rendering fifty rows and the choice lists costs more than everything else a view
    /// does, and the result is the same for everyone in the scope until the page itself is
    /// recomputed; the query is kept because different spellings of it (a unit by name or
    /// by id, blanks) share one page but not the same form values.
    rendered: std::sync::Mutex<Option<(String, Arc<str>)>>,
    /// The page as the JSON list answers it (`/api/tasks`), which depends on nothing else.
    json: std::sync::OnceLock<axum::body::Bytes>,
}

impl ListPage {
    /// A page of `rows` out of `total`, not yet rendered.
    fn new(rows: Vec<TaskSummary>, total: i64, lights: HashMap<i64, Light>) -> ListPage {
        ListPage {
            rows,
            total,
            lights,
            rendered: Default::default(),
            json: Default::default(),
        }
    }

    /// A page with nothing on it (a filter that cannot match).
    pub fn empty() -> ListPage {
        ListPage::new(Vec::new(), 0, HashMap::new())
    }

    /// The page as JSON, serialized by `serialize` the first time it is asked for.
    pub fn json<E>(
        &self,
        serialize: impl FnOnce(&ListPage) -> Result<Vec<u8>, E>,
    ) -> Result<axum::body::Bytes, E> {
        if let Some(b) = self.json.get() {
            return Ok(b.clone());
        }
        let b = axum::body::Bytes::from(serialize(self)?);
        // Two requests may both serialize; either answer is the same.
        Ok(self.json.get_or_init(|| b).clone())
    }

    /// The page as rendered for `query`, if it was.
    pub fn remembered(&self, query: &str) -> Option<Arc<str>> {
        let slot = self.rendered.lock().ok()?;
        match slot.as_ref() {
            Some((q, html)) if q == query => Some(html.clone()),
            _ => None,
        }
    }

    /// Keeps the page as rendered for `query` (one spelling at a time).
    pub fn remember(&self, query: &str, html: String) -> Arc<str> {
        let html: Arc<str> = html.into();
        if let Ok(mut slot) = self.rendered.lock() {
            *slot = Some((query.to_string(), html.clone()));
        }
        html
    }
}

/// A page of the task list with its lights, remembered at the revision of everything they
/// read (the plan's tasks and the reporting cycle) and the day: while nothing changes, a
/// view costs one indexed read of that revision. Also answers the plan's task revision, for
/// the filter choices.
pub async fn list_page(
    store: &Store,
    caches: &OverviewCaches,
    plan: PlanId,
    filter: &TaskFilter,
    scope: &Scope,
) -> Result<(Arc<ListPage>, i64), StoreError> {
    let key = light_key(store, plan).await?;
    let tasks_revision = key.0.tasks;
    let cache_key = (plan, *scope, filter.clone());
    if let Some(hit) = caches.list_pages.get(&cache_key, &key) {
        return Ok((hit, tasks_revision));
    }
    let (rows, total) = store.list_tasks(plan, filter, scope).await?;
    let ids: Vec<TaskId> = rows.iter().map(|t| t.id).collect();
    let lights = store.page_lights(plan, &ids, &key.1).await?;
    let page = Arc::new(ListPage::new(rows, total, lights));
    caches.list_pages.put(cache_key, key, page.clone());
    Ok((page, tasks_revision))
}

/// The overview's figures that read the whole reporting cycle, each remembered at the
/// revision of everything it reads (see [`Store::light_revision`]), shared by all requests.
pub struct OverviewCaches {
    /// Per (plan, scope), also keyed by the day: lights turn red when a due date passes,
    /// with no write to notice.
    light_counts: RevisionCache<(PlanId, Scope), LightCounts, (LightRevision, String)>,
    /// A round's per-unit statistics, for the ranking.
    round_stats: RevisionCache<RoundId, Vec<UnitRoundStats>, LightRevision>,
    /// Pages of the HTML task list with their lights, per (plan, scope, filter and page),
    /// also keyed by the day.
    list_pages: RevisionCache<(PlanId, Scope, TaskFilter), Arc<ListPage>, (LightRevision, String)>,
    /// Task pages per (task, scope), at the task's page mark, the light revision and the day.
    pub task_pages: RevisionCache<(TaskId, Scope), Arc<TaskPageData>, TaskPageRevision>,
    /// One recomputation per key at a time: after a change, the views that arrive while the
    /// counts are being recomputed wait for that one and share it, instead of each reading
    /// every task of the plan at once.
    turns: std::sync::Mutex<HashMap<TurnKey, Arc<tokio::sync::Mutex<()>>>>,
    /// How many times the counts or a ranking were computed rather than served from memory.
    recomputations: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TurnKey {
    Lights(PlanId, Scope),
    Ranking(RoundId),
}

impl Default for OverviewCaches {
    fn default() -> Self {
        OverviewCaches {
            // One entry per (plan, scope): the office's, the leaders' and each unit's.
            light_counts: RevisionCache::new(1024),
            round_stats: RevisionCache::new(256),
            // A page holds its rows, its HTML and its JSON (some 150 KB at 50 rows): the
            // bound keeps the worst case under 100 MB.
            list_pages: RevisionCache::new(512),
            task_pages: RevisionCache::new(2048),
            turns: Default::default(),
            recomputations: Default::default(),
        }
    }
}

impl OverviewCaches {
    /// How many times the light counts or a ranking were computed (cache misses).
    #[cfg(test)]
    fn recomputations(&self) -> u64 {
        self.recomputations
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn computed(&self) {
        self.recomputations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn turn(&self, key: TurnKey) -> Arc<tokio::sync::Mutex<()>> {
        match self.turns.lock() {
            Ok(mut map) => map.entry(key).or_default().clone(),
            // A poisoned map only loses the sharing, never the answer.
            Err(_) => Arc::default(),
        }
    }
}

/// Serves `key` from `cache` at the revision `revision()` reads, or computes it, one
/// computation per turn at a time: views arriving meanwhile wait and share the answer.
/// The revision is read BEFORE computing, so a change landing meanwhile is recomputed next
/// time rather than served stale.
async fn cached<K, V, R, RF, CF>(
    caches: &OverviewCaches,
    cache: &RevisionCache<K, V, R>,
    turn: TurnKey,
    key: K,
    revision: impl Fn() -> RF,
    compute: impl FnOnce(R) -> CF,
) -> Result<V, StoreError>
where
    K: Eq + std::hash::Hash,
    V: Clone,
    R: PartialEq + Clone,
    RF: std::future::Future<Output = Result<R, StoreError>>,
    CF: std::future::Future<Output = Result<V, StoreError>>,
{
    let rev = revision().await?;
    if let Some(hit) = cache.get(&key, &rev) {
        return Ok(hit);
    }
    let turn = caches.turn(turn);
    let _turn = turn.lock().await;
    // Whoever held the turn may have just computed it.
    let rev = revision().await?;
    if let Some(hit) = cache.get(&key, &rev) {
        return Ok(hit);
    }
    let fresh = compute(rev.clone()).await?;
    caches.computed();
    cache.put(key, rev, fresh.clone());
    Ok(fresh)
}

/// A round's per-unit statistics (`Store::round_stats`), cached until the cycle changes.
pub async fn round_stats(
    store: &Store,
    caches: &OverviewCaches,
    plan: PlanId,
    round: RoundId,
) -> Result<Vec<UnitRoundStats>, StoreError> {
    cached(
        caches,
        &caches.round_stats,
        TurnKey::Ranking(round),
        round,
        || async move { Ok(light_key(store, plan).await?.0) },
        |_| store.round_stats(round),
    )
    .await
}

/// The counts for the overview, from the lights the store keeps per task (recomputing only
/// the tasks changed since; see `duban_store::LightTally`), remembered here until a report,
/// round, notice, extension or task changes, or the day turns.
pub async fn light_counts(
    store: &Store,
    caches: &OverviewCaches,
    plan: PlanId,
    scope: &Scope,
) -> Result<LightCounts, StoreError> {
    cached(
        caches,
        &caches.light_counts,
        TurnKey::Lights(plan, *scope),
        (plan, *scope),
        || light_key(store, plan),
        |(_, today)| async move { store.light_tally(plan, scope, &today).await },
    )
    .await
}

/// What the light counts are cached under: everything they read, and the day.
async fn light_key(store: &Store, plan: PlanId) -> Result<(LightRevision, String), StoreError> {
    match store.light_revision(plan).await? {
        Some(r) => Ok((r, lights::today_cst())),
        None => Err(StoreError::NotFound("该计划")),
    }
}

/// The column a ranking is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankSort {
    OnTime,
    Returned,
    Met,
    Owed,
    Name,
}

impl RankSort {
    pub const ALL: [RankSort; 5] = [
        RankSort::OnTime,
        RankSort::Returned,
        RankSort::Met,
        RankSort::Owed,
        RankSort::Name,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RankSort::OnTime => "on_time",
            RankSort::Returned => "returned",
            RankSort::Met => "met",
            RankSort::Owed => "owed",
            RankSort::Name => "name",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        RankSort::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// The natural direction: best first (high on-time and met rates, few returns).
    pub fn default_desc(self) -> bool {
        !matches!(self, RankSort::Returned | RankSort::Name)
    }
}

/// One row of the ranking table, rates in percent.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// Standard competition ranking on the sorted column: equal figures share a place
    /// ("并列2"), and the next place counts them (1, 并列2, 并列2, 4), as bulletins write it.
    /// Sorting by name ranks nothing: the place is the row number.
    pub rank: usize,
    /// "1", "并列2".
    pub rank_label: String,
    pub unit_id: i64,
    pub name: String,
    pub owed: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub returned: i64,
    pub met: i64,
    pub on_time_rate: f64,
    pub return_rate: f64,
    pub met_rate: f64,
    /// The rates as printed ("87.5%").
    pub on_time_pct: String,
    pub return_pct: String,
    pub met_pct: String,
}

impl RankRow {
    fn from_stats(s: &UnitRoundStats) -> Self {
        RankRow {
            rank: 0,
            rank_label: String::new(),
            unit_id: s.unit_id.0,
            name: s.name.clone(),
            owed: s.owed,
            submitted: s.submitted,
            on_time: s.on_time,
            returned: s.returned,
            met: s.met,
            on_time_rate: s.on_time_rate() * 100.0,
            return_rate: s.return_rate() * 100.0,
            met_rate: s.met_rate() * 100.0,
            on_time_pct: pct(s.on_time_rate()),
            return_pct: pct(s.return_rate()),
            met_pct: pct(s.met_rate()),
        }
    }
}

fn pct(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The store's round statistics as ranking rows, sorted on the server.
pub fn ranking(stats: &[UnitRoundStats], sort: RankSort, desc: bool) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = stats.iter().map(RankRow::from_stats).collect();
    rows.sort_by(|a, b| {
        let ord = match sort {
            RankSort::OnTime => a.on_time_rate.total_cmp(&b.on_time_rate),
            RankSort::Returned => a.return_rate.total_cmp(&b.return_rate),
            RankSort::Met => a.met_rate.total_cmp(&b.met_rate),
            RankSort::Owed => a.owed.cmp(&b.owed),
            RankSort::Name => a.name.cmp(&b.name),
        };
        let ord = if desc { ord.reverse() } else { ord };
        ord.then_with(|| a.name.cmp(&b.name))
    });
    let key = |r: &RankRow| match sort {
        RankSort::OnTime => Some(r.on_time_rate),
        RankSort::Returned => Some(r.return_rate),
        RankSort::Met => Some(r.met_rate),
        RankSort::Owed => Some(r.owed as f64),
        RankSort::Name => None,
    };
    let keys: Vec<Option<f64>> = rows.iter().map(key).collect();
    for (row, (rank, label)) in rows.iter_mut().zip(shared_ranks(&keys)) {
        row.rank = rank;
        row.rank_label = label;
    }
    rows
}

/// Places for rows already in order by `keys`: equal keys share a place, labelled "并列n",
/// and the next place skips past them (1, 并列2, 并列2, 4); rows without a key (sorted by
/// name) are numbered in order. One rule for every ranking: overview, scores, bulletin.
pub fn shared_ranks(keys: &[Option<f64>]) -> Vec<(usize, String)> {
    let same = |i: usize, j: usize| matches!((keys[i], keys[j]), (Some(a), Some(b)) if a == b);
    let mut place = 0;
    (0..keys.len())
        .map(|i| {
            if i == 0 || !same(i, i - 1) {
                place = i + 1;
            }
            let tied = (i > 0 && same(i, i - 1)) || (i + 1 < keys.len() && same(i, i + 1));
            let label = if tied {
                format!("并列{place}")
            } else {
                place.to_string()
            };
            (place, label)
        })
        .collect()
}

/// The bulletin's figures for a round: per lead unit from `round_stats`, the lagging tasks,
/// and the plan's supervision notices still open (issued and not yet closed).
pub async fn bulletin_data(
    store: &Store,
    plan: &Plan,
    round: &Round,
) -> Result<BulletinData, StoreError> {
    let stats = store.round_stats(round.id).await?;
    let to_u32 = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    let units = stats
        .iter()
        .map(|s| UnitRow {
            unit: s.name.clone(),
            owed: to_u32(s.owed),
            on_time: to_u32(s.on_time),
            late: to_u32(s.submitted - s.on_time),
            missing: to_u32(s.owed - s.submitted),
            returned: to_u32(s.returned),
            // Filled by `routes::scores::add_to_bulletin` where the office scores units.
            score: None,
        })
        .collect();
    let lagging = store
        .round_lagging(round.id)
        .await?
        .into_iter()
        .map(|l| LaggingTask {
            number: l.position.to_string(),
            unit: l.unit,
            task: l.task,
            kind: match l.reason {
                duban_store::LagReason::Unsubmitted => duban_docs::LagKind::Unsubmitted,
                _ => duban_docs::LagKind::SelfReported,
            },
            status: l.reason.label_zh().to_string(),
        })
        .collect();
    let notices = store
        .open_notices(plan.id)
        .await?
        .into_iter()
        .map(|n| {
            let issued = n
                .issued_at
                .to_offset(time::macros::offset!(+8))
                .date()
                .to_string();
            NoticeRow {
                number: format!("督办〔{}〕{}号", n.issued_at.year(), n.id),
                unit: n.unit_name,
                task: n.task_text,
                issued: date_zh(&issued),
                due: Some(date_zh(&n.deadline)),
            }
        })
        .collect();
    Ok(BulletinData {
        plan: plan.name.clone(),
        round: round.name.clone(),
        period: format!("截至{}", date_zh(&round.due_date)),
        units,
        lagging,
        notices,
        score_rule: None,
    })
}

/// "2026-04-30" → "2026年4月30日" (documents write dates the Chinese way); anything else as is.
pub fn date_zh(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => match (y.parse::<u16>(), m.parse::<u8>(), d.parse::<u8>()) {
            (Ok(y), Ok(m), Ok(d)) => format!("{y}年{m}月{d}日"),
            _ => iso.to_string(),
        },
        _ => iso.to_string(),
    }
}

/// The round a page asks for (`?round=`), else the current open round, else the newest.
pub fn pick_round(rounds: &[Round], asked: Option<RoundId>) -> Option<&Round> {
    match asked {
        Some(id) => rounds.iter().find(|r| r.id == id),
        None => current_open_round(rounds).or_else(|| rounds.last()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_store::UnitId;

    /// After a change, many views at once compute the counts once and all get that answer;
    /// the next change computes them again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_views_share_one_recomputation() -> Result<(), Box<dyn std::error::Error>> {
        use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef};
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = Store::connect_with(&url, duban_store::StoreOptions::for_tests()).await?;
        store.migrate().await?;
        let mut l = Ledger::new("t.txt", SourceFormat::Txt);
        l.tables.push(Table {
            index: 1,
            label: "附件1".into(),
            title: None,
            claimed_rows: None,
            rows: 2,
            office_verdict: None,
            as_of: None,
        });
        for i in 1..=2 {
            let mut t = Task::new(1, i, format!("任务{i}：新增就业1000人"));
            t.lead_units.push(UnitRef::new("区人社局"));
            l.tasks.push(t);
        }
        let plan = store
            .import_ledger("2026年", &l, "t.txt", "sha-t", "t")
            .await?;
        let caches = Arc::new(OverviewCaches::default());
        let views = |caches: Arc<OverviewCaches>| {
            let store = store.clone();
            async move {
                let mut handles = Vec::new();
                for _ in 0..8 {
                    let (store, caches) = (store.clone(), caches.clone());
                    handles.push(tokio::spawn(async move {
                        light_counts(&store, &caches, plan, &Scope::All).await
                    }));
                }
                let mut out = Vec::new();
                for h in handles {
                    out.push(
                        h.await
                            .map_err(|e| e.to_string())?
                            .map_err(|e| e.to_string())?,
                    );
                }
                Ok::<_, String>(out)
            }
        };
        let first = views(caches.clone()).await?;
        assert_eq!(caches.recomputations(), 1, "eight views, one computation");
        assert!(first.iter().all(|c| c.green == 2 && c.red == 0));
        // A round due long ago, nothing submitted: both tasks overdue, seen by every view.
        store.open_round(plan, "1月", "2026-01-31", "t").await?;
        let second = views(caches.clone()).await?;
        assert_eq!(
            caches.recomputations(),
            2,
            "the change, one more computation"
        );
        assert!(second.iter().all(|c| c.red == 2), "{second:?}");
        store.close().await;
        Ok(())
    }

    fn stats(
        name: &str,
        owed: i64,
        on_time: i64,
        submitted: i64,
        returned: i64,
        met: i64,
    ) -> UnitRoundStats {
        UnitRoundStats {
            unit_id: UnitId(owed),
            name: name.into(),
            owed,
            submitted,
            on_time,
            returned,
            accepted: 0,
            drafts: 0,
            met,
        }
    }

    #[test]
    fn dates_read_the_chinese_way() {
        assert_eq!(date_zh("2026-04-30"), "2026年4月30日");
        assert_eq!(date_zh("2026-4"), "2026-4");
    }

    #[test]
    fn ranking_sorts_by_the_asked_column_and_direction() {
        let s = [
            stats("甲", 4, 2, 4, 2, 1),
            stats("乙", 2, 2, 2, 0, 2),
            stats("丙", 5, 0, 0, 0, 0),
        ];
        let names = |rows: Vec<RankRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(ranking(&s, RankSort::OnTime, true)),
            ["乙", "甲", "丙"]
        );
        assert_eq!(
            names(ranking(&s, RankSort::Returned, true)),
            ["甲", "丙", "乙"]
        );
        assert_eq!(
            names(ranking(&s, RankSort::Owed, false)),
            ["乙", "甲", "丙"]
        );
        let r = ranking(&s, RankSort::Met, true);
        assert_eq!(r[0].name, "乙");
        assert!((r[1].met_rate - 25.0).abs() < 1e-9);
        assert!((r[1].return_rate - 50.0).abs() < 1e-9);
        // Nothing submitted: a return rate of 0, not NaN.
        assert_eq!(r[2].return_rate, 0.0);
    }

    #[test]
    fn equal_figures_share_a_place_and_the_next_place_counts_them() {
        let s = [
            stats("甲", 4, 4, 4, 0, 0),
            stats("乙", 2, 1, 2, 0, 0),
            stats("丙", 4, 2, 4, 0, 0),
            stats("丁", 3, 3, 3, 0, 0),
            stats("戊", 5, 0, 0, 0, 0),
        ];
        let r = ranking(&s, RankSort::OnTime, true);
        let labels: Vec<(&str, &str)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.rank_label.as_str()))
            .collect();
        // 甲 and 丁 100%, 乙 and 丙 50%, 戊 0%.
        assert_eq!(
            labels,
            [
                ("丁", "并列1"),
                ("甲", "并列1"),
                ("丙", "并列3"),
                ("乙", "并列3"),
                ("戊", "5")
            ]
        );
        let by_name = ranking(&s, RankSort::Name, false);
        assert!(by_name.iter().enumerate().all(|(i, r)| r.rank == i + 1));
    }
}
