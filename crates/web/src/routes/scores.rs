//! 考核: each lead unit's score for a round under the plan's weighted rules, with the rule
//! breakdown, ranked with shared places (并列) like every other ranking; and the office's
//! form for the weights.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_standing::scores::{ScoreRules, fmt_points, score};
use duban_store::{PlanId, Round, Scope, SessionUser, Store, StoreError, UnitId};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::current::current_plan;
use crate::error::PageError;
use crate::lights::Color;
use crate::oversight::{self, shared_ranks};
use crate::security::CurrentUser;
use crate::state::AppState;

/// One unit's row in the score ranking.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub rank: usize,
    pub rank_label: String,
    pub unit_id: i64,
    pub name: String,
    pub total: f64,
    pub total_text: String,
    pub lines: Vec<ScoreLineView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreLineView {
    pub rule: &'static str,
    pub basis: String,
    pub points: String,
}

/// Red lights per lead unit, from the plan's lights today.
async fn red_lights(store: &Store, plan: PlanId) -> Result<HashMap<UnitId, i64>, StoreError> {
    let links = store.plan_lead_links(plan).await?;
    let mut ids: Vec<_> = links.iter().map(|(t, _)| *t).collect();
    ids.sort_by_key(|t| t.0);
    ids.dedup();
    let lights = oversight::lights_for(store, plan, &ids).await?;
    let mut red: HashMap<UnitId, i64> = HashMap::new();
    for (task, unit) in links {
        if lights.get(&task.0).is_some_and(|l| l.color == Color::Red) {
            *red.entry(unit).or_default() += 1;
        }
    }
    Ok(red)
}

/// Every lead unit's score in `round`, best first, places shared on equal totals.
pub async fn round_scores(store: &Store, round: &Round) -> Result<Vec<ScoreRow>, StoreError> {
    let rules = store.score_rules(round.plan_id).await?;
    let counts = store.round_score_counts(round.id).await?;
    let red = red_lights(store, round.plan_id).await?;
    let mut rows: Vec<ScoreRow> = counts
        .into_iter()
        .map(|c| {
            let mut input = c.input;
            input.red_lights = red.get(&c.unit_id).copied().unwrap_or(0);
            let s = score(&rules, &input);
            ScoreRow {
                rank: 0,
                rank_label: String::new(),
                unit_id: c.unit_id.0,
                name: c.name,
                total: s.total,
                total_text: fmt_points(s.total),
                lines: s
                    .lines
                    .iter()
                    .map(|l| ScoreLineView {
                        rule: l.rule,
                        basis: l.basis.clone(),
                        points: fmt_points(l.points),
                    })
                    .collect(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| a.name.cmp(&b.name))
    });
    let keys: Vec<Option<f64>> = rows.iter().map(|r| Some(r.total)).collect();
    for (row, (rank, label)) in rows.iter_mut().zip(shared_ranks(&keys)) {
        row.rank = rank;
        row.rank_label = label;
    }
    Ok(rows)
}

/// The rules in words, as the 考核 page and the bulletin print them.
pub fn rule_text(rules: &ScoreRules) -> String {
    format!(
        "满分{}分：按时报送{}分（按时报送÷应报）、未被退回{}分（未被退回÷已报送）、已报任务达标{}分\
         （结论为已完成÷已报送的任务）；每项红灯任务扣{}分，每份逾期未答复的督办单扣{}分，最低0分；\
         得分相同的名次并列。",
        fmt_points(rules.full_marks()),
        fmt_points(rules.on_time),
        fmt_points(rules.not_returned),
        fmt_points(rules.met),
        fmt_points(rules.per_red_light),
        fmt_points(rules.per_overdue_notice),
    )
}

/// Puts each unit's 考核 score for `round`, and the rule they follow, into its bulletin.
pub async fn add_to_bulletin(
    store: &Store,
    round: &Round,
    data: &mut duban_docs::BulletinData,
) -> Result<(), StoreError> {
    let scores: HashMap<String, String> = round_scores(store, round)
        .await?
        .into_iter()
        .map(|r| (r.name, r.total_text))
        .collect();
    for u in &mut data.units {
        u.score = scores.get(&u.unit).cloned();
    }
    data.score_rule = Some(rule_text(&store.score_rules(round.plan_id).await?));
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScoreQuery {
    round: String,
}

/// `GET /scores`: the ranking by score; a unit sees its own row with its real place.
pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ScoreQuery>,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "scores.html",
            Some(&user),
            "scores",
            context! { plan => () },
        );
    };
    let rounds = app.store.rounds(plan.id).await?;
    let asked = q.round.trim().parse().ok();
    let Some(round) = oversight::pick_round(&rounds, asked) else {
        return app.templates.page(
            "scores.html",
            Some(&user),
            "scores",
            context! { plan => plan.name, round => () },
        );
    };
    let rules = app.store.score_rules(plan.id).await?;
    let mut rows = round_scores(&app.store, round).await?;
    if let Scope::Unit(own) = user.scope() {
        rows.retain(|r| r.unit_id == own.0);
    }
    app.templates.page(
        "scores.html",
        Some(&user),
        "scores",
        context! {
            plan => plan.name,
            round => context! { id => round.id, name => round.name, due_date => round.due_date },
            rounds => rounds.iter().map(|r| context! { id => r.id, name => r.name }).collect::<Vec<_>>(),
            rows,
            rules => rules_view(&rules),
            rule_text => rule_text(&rules),
        },
    )
}

fn rules_view(r: &ScoreRules) -> minijinja::Value {
    context! {
        on_time => fmt_points(r.on_time),
        not_returned => fmt_points(r.not_returned),
        met => fmt_points(r.met),
        per_red_light => fmt_points(r.per_red_light),
        per_overdue_notice => fmt_points(r.per_overdue_notice),
        full => fmt_points(r.full_marks()),
    }
}

/// `GET /admin/scores`: the weights form.
pub async fn settings(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "score_rules.html",
            Some(&user),
            "scores",
            context! { plan => () },
        );
    };
    let rules = app.store.score_rules(plan.id).await?;
    render_settings(&app, &user, &plan.name, rules_view(&rules), None, None)
}

fn render_settings(
    app: &AppState,
    user: &SessionUser,
    plan: &str,
    form: minijinja::Value,
    error: Option<(String, &'static str)>,
    done: Option<&str>,
) -> Result<Html<String>, PageError> {
    let (error, field) = match error {
        Some((m, f)) => (Some(m), Some(f)),
        None => (None, None),
    };
    app.templates.page(
        "score_rules.html",
        Some(user),
        "scores",
        context! { plan, form, error, field, done },
    )
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct RulesForm {
    on_time: String,
    not_returned: String,
    met: String,
    per_red_light: String,
    per_overdue_notice: String,
}

/// The form's fields: (name, Chinese label) in order.
const FIELDS: [(&str, &str); 5] = [
    ("on_time", "按时报送分值"),
    ("not_returned", "未被退回分值"),
    ("met", "达标率分值"),
    ("per_red_light", "每项红灯扣分"),
    ("per_overdue_notice", "每份逾期督办单扣分"),
];

/// Parses the form; the error names the field.
fn parse_rules(f: &RulesForm) -> Result<ScoreRules, (String, &'static str)> {
    let values = [
        &f.on_time,
        &f.not_returned,
        &f.met,
        &f.per_red_light,
        &f.per_overdue_notice,
    ];
    let mut nums = [0.0f64; 5];
    for (i, v) in values.iter().enumerate() {
        let (field, label) = FIELDS[i];
        nums[i] = v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| (format!("{label}须填写数字"), field))?;
    }
    let rules = ScoreRules {
        on_time: nums[0],
        not_returned: nums[1],
        met: nums[2],
        per_red_light: nums[3],
        per_overdue_notice: nums[4],
    };
    rules.validate().map_err(|m| {
        let field = FIELDS
            .iter()
            .find(|(_, label)| m.starts_with(label))
            .map(|(f, _)| *f)
            .unwrap_or("on_time");
        (m, field)
    })?;
    Ok(rules)
}

/// `POST /admin/scores`: saves the weights; a mistake re-renders the form with the input
/// kept and the message beside the field.
pub async fn save(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<RulesForm>,
) -> Result<Response, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        let html = app.templates.page(
            "score_rules.html",
            Some(&user),
            "scores",
            context! { plan => () },
        )?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    };
    let kept = minijinja::Value::from_serialize(&f);
    let rules = match parse_rules(&f) {
        Ok(r) => r,
        Err(e) => {
            let html = render_settings(&app, &user, &plan.name, kept, Some(e), None)?;
            return Ok((StatusCode::BAD_REQUEST, html).into_response());
        }
    };
    match app
        .store
        .set_score_rules(plan.id, &rules, &user.username)
        .await
    {
        Ok(()) => Ok(render_settings(
            &app,
            &user,
            &plan.name,
            rules_view(&rules),
            None,
            Some("考核规则已保存，排名按新规则计算。"),
        )?
        .into_response()),
        Err(StoreError::Invalid(m)) => {
            let html = render_settings(&app, &user, &plan.name, kept, Some((m, "on_time")), None)?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(values: [&str; 5]) -> RulesForm {
        RulesForm {
            on_time: values[0].into(),
            not_returned: values[1].into(),
            met: values[2].into(),
            per_red_light: values[3].into(),
            per_overdue_notice: values[4].into(),
        }
    }

    #[test]
    fn the_form_parses_and_names_the_wrong_field() {
        let r = parse_rules(&form(["50", "10", "40", "1.5", "5"])).expect("valid");
        assert_eq!(r.per_red_light, 1.5);
        let (m, f) = parse_rules(&form(["50", "十", "40", "1", "5"])).unwrap_err();
        assert_eq!((m.as_str(), f), ("未被退回分值须填写数字", "not_returned"));
        let (m, f) = parse_rules(&form(["50", "10", "40", "1", "500"])).unwrap_err();
        assert_eq!(f, "per_overdue_notice");
        assert!(m.contains("0到100"));
        let (_, f) = parse_rules(&form(["0", "0", "0", "1", "5"])).unwrap_err();
        assert_eq!(f, "on_time");
    }
}
