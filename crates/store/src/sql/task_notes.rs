use std::collections::HashMap;

use sqlx::{QueryBuilder, Row};

use super::tasks::push_scope_one;
use super::{Db, Pool};
use crate::task_notes::TaskNotes;
use crate::{PlanId, Scope, StoreError, TaskId};

pub(crate) async fn for_plan(
    pool: &Pool,
    plan: PlanId,
    scope: &Scope,
) -> Result<HashMap<TaskId, TaskNotes>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT t.id, t.leader, t.progress, t.evidence_text FROM tasks t WHERE t.plan_id = ",
    );
    qb.push_bind(plan);
    qb.push(" AND t.retired_at IS NULL");
    push_scope_one(&mut qb, "t.id", scope);
    let mut out = HashMap::new();
    for r in qb.build().fetch_all(pool).await? {
        let evidence: Option<String> = r.try_get("evidence_text")?;
        let progress: String = r.try_get("progress")?;
        out.insert(
            TaskId(r.try_get("id")?),
            TaskNotes {
                leader: r.try_get("leader")?,
                evidence: evidence.unwrap_or(progress),
            },
        );
    }
    Ok(out)
}
