use crate::{PlanId, Report};

/// Every failure of the store, with messages in Chinese for the people who will read them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("不支持的数据库地址“{0}”：应以 sqlite:// 或 postgres:// 开头")]
    UnsupportedUrl(String),
    #[error("该文件已导入过（计划“{plan_name}”，编号 {plan}），未重复导入")]
    DuplicateImport { plan: PlanId, plan_name: String },
    /// A save against a stale version; `current` is what is stored now, to show beside the
    /// user's text.
    #[error("该报告已被他人修改（当前版本 {}），请核对后再保存", current.version)]
    Conflict { current: Box<Report> },
    /// A database constraint refused the change; the message names the cause for users.
    #[error("{0}")]
    Constraint(String),
    #[error("未找到{0}")]
    NotFound(&'static str),
    /// The request is well-formed but not allowed in the current state.
    #[error("{0}")]
    Invalid(String),
    /// The actor may see the record but this change is not theirs to make (the message says
    /// whose it is and what to do instead).
    #[error("{0}")]
    Forbidden(String),
    /// Accepting the report would change the machine's reading to `machine` while the office's
    /// override says `overridden`: the office must say whether the override still holds.
    #[error(
        "督查办此前改判为“{}”，而本报告的机器判断为“{}”：请确认改判是否仍然有效",
        overridden.label_zh(),
        machine.label_zh()
    )]
    OverrideInQuestion {
        overridden: duban_model::Verdict,
        machine: duban_model::Verdict,
    },
    /// The audit key file is missing, unreadable, or not the key the chain was signed with.
    #[error("{0}")]
    AuditKey(String),
    #[error("密码处理失败：{0}")]
    Password(String),
    #[error("数据迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("文件操作失败：{0}")]
    Io(#[from] std::io::Error),
    /// A listed evidence file whose content is missing or altered in the files directory;
    /// the message names the file and what is wrong.
    #[error("{0}")]
    FileBroken(String),
    #[error("数据格式错误：{0}")]
    Json(#[from] serde_json::Error),
    #[error("数据库错误：{0}")]
    Database(#[source] sqlx::Error),
}

/// Constraint names (shared by both schemas) and the message a user sees when one refuses a
/// change. SQLite reports the columns rather than the name, hence the second key.
const CONSTRAINTS: &[(&str, &str, &str)] = &[
    ("users_username_key", "users.username", "用户名已存在"),
    ("units_name_key", "units.name", "单位名称已存在"),
    (
        "plans_source_sha256_key",
        "plans.source_sha256",
        "该文件已导入过",
    ),
    (
        "tasks_plan_position_key",
        "tasks.plan_id, tasks.position",
        "同一计划中任务序号重复",
    ),
    (
        "rounds_plan_name_key",
        "rounds.plan_id, rounds.name",
        "该计划已有同名填报轮次",
    ),
    (
        "reports_task_round_unit_key",
        "reports.task_id, reports.round_id, reports.unit_id",
        "该单位本轮已有此任务的报告",
    ),
    (
        "users_role_check",
        "users_role_check",
        "角色只能是 admin、leader 或 unit",
    ),
    (
        "users_unit_required",
        "users_unit_required",
        "单位账号必须属于一个单位",
    ),
    (
        "contributions_task_round_unit_key",
        "contributions.task_id, contributions.round_id, contributions.unit_id",
        "该配合单位本轮已报送过此任务的配合情况",
    ),
    (
        "notifications_addressee",
        "notifications_addressee",
        "通知必须指定接收用户或单位",
    ),
    (
        "task_milestones_task_date_key",
        "task_milestones.task_id, task_milestones.due_date",
        "该任务在这一日期已有时间节点",
    ),
    (
        "reports_self_status_check",
        "reports_self_status_check",
        "自评状态无效",
    ),
];

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let by_name = db
                .constraint()
                .and_then(|c| CONSTRAINTS.iter().find(|(name, _, _)| *name == c));
            let by_text = || {
                let msg = db.message();
                CONSTRAINTS.iter().find(|(_, key, _)| msg.contains(key))
            };
            if let Some((_, _, text)) = by_name.or_else(by_text) {
                return StoreError::Constraint((*text).to_string());
            }
            if db.is_foreign_key_violation() {
                return StoreError::Constraint("引用的记录不存在".into());
            }
        }
        StoreError::Database(e)
    }
}
