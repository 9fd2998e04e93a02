//! The office's document settings for the current plan (公文设置): issuing office, 发文字号
//! patterns, 主送, 抄送, 印发机关 and the 附注's contact, and how the documents use them.
//! A refused save shows the page again with the office's input and the reason.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use duban_docs::{BulletinOptions, Issuing, ReportOptions, doc_number};
use duban_store::{Plan, PlanSettings, SessionUser, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

/// The form as posted, and as shown again after a refusal.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    office: String,
    report_pattern: String,
    bulletin_pattern: String,
    supervision_pattern: String,
    reminder_pattern: String,
    addressee: String,
    /// One 抄送机关 per line (or separated by 、，).
    cc: String,
    printed_by: String,
    contact: String,
    phone: String,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl From<&PlanSettings> for SettingsForm {
    fn from(s: &PlanSettings) -> Self {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        SettingsForm {
            office: o(&s.office),
            report_pattern: o(&s.report_pattern),
            bulletin_pattern: o(&s.bulletin_pattern),
            supervision_pattern: o(&s.supervision_pattern),
            reminder_pattern: o(&s.reminder_pattern),
            addressee: o(&s.addressee),
            cc: s.cc.join("\n"),
            printed_by: o(&s.printed_by),
            contact: o(&s.contact),
            phone: o(&s.phone),
        }
    }
}

impl SettingsForm {
    fn settings(&self) -> PlanSettings {
        PlanSettings {
            office: opt(&self.office),
            report_pattern: opt(&self.report_pattern),
            bulletin_pattern: opt(&self.bulletin_pattern),
            supervision_pattern: opt(&self.supervision_pattern),
            reminder_pattern: opt(&self.reminder_pattern),
            addressee: opt(&self.addressee),
            cc: vec![self.cc.clone()],
            printed_by: opt(&self.printed_by),
            contact: opt(&self.contact),
            phone: opt(&self.phone),
            ..PlanSettings::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    saved: Option<String>,
}

/// What the page says above the form: nothing, that the settings were saved, or why the
/// office's input was refused (shown again with it, status 400).
enum Shown {
    Plain,
    Saved,
    Refused(String),
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    plan: &Plan,
    form: &SettingsForm,
    shown: Shown,
) -> Result<Response, PageError> {
    let saved = app.store.plan_settings(plan.id).await?;
    let (status, notice, error) = match shown {
        Shown::Plain => (StatusCode::OK, None, None),
        Shown::Saved => (StatusCode::OK, Some("公文设置已保存。"), None),
        Shown::Refused(e) => (StatusCode::BAD_REQUEST, None, Some(e)),
    };
    let html = app.templates.page(
        "plan_settings.html",
        Some(user),
        "plan_settings",
        context! {
            plan_name => plan.name,
            form,
            error,
            notice,
            updated_by => saved.updated_by,
            updated_at => saved.updated_at.map(fmt_time),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let form = SettingsForm::from(&app.store.plan_settings(plan.id).await?);
    let shown = if q.saved.is_some() {
        Shown::Saved
    } else {
        Shown::Plain
    };
    render(&app, &user, &plan, &form, shown).await
}

pub async fn save(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    match app
        .store
        .save_plan_settings(plan.id, f.settings(), &user.username)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/plan-settings?saved=1").into_response()),
        Err(StoreError::Invalid(msg)) => render(&app, &user, &plan, &f, Shown::Refused(msg)).await,
        Err(e) => Err(Failure::from(e).into()),
    }
}

/// 抄送, 附注 and 印发机关 as every document prints them.
pub fn issuing(s: &PlanSettings, number: Option<String>) -> Issuing {
    Issuing {
        number,
        cc: s.cc.clone(),
        contact: s.contact.clone(),
        phone: s.phone.clone(),
        printed_by: s.printed_by.clone(),
        ..Issuing::default()
    }
}

/// The year-end report with the plan's settings: 发文机关 (else the one the source names),
/// 主送, 版记 and 附注, and a 文号 when the office gives the serial (`n`: its own register
/// numbers its outgoing documents; duban does not guess one) and has set the pattern.
pub fn apply_to_report(
    opts: &mut ReportOptions,
    s: &PlanSettings,
    year: Option<i32>,
    n: Option<u32>,
) {
    if s.office.is_some() {
        opts.office = s.office.clone();
    }
    if let Some(a) = &s.addressee {
        opts.addressee = a.clone();
    }
    let number = match (s.report_pattern.as_deref(), year, n) {
        (Some(p), Some(y), Some(n)) => Some(doc_number(p, y, n)),
        _ => None,
    };
    opts.issuing = issuing(s, number);
}

/// The bulletin with the plan's settings: 期号 is the round's place among the plan's rounds
/// (`issue`, from 1), and the 文号 numbers the bulletins by 期 within the year.
pub fn apply_to_bulletin(opts: &mut BulletinOptions, s: &PlanSettings, year: i32, issue: u32) {
    opts.office = s.office.clone();
    opts.issue = Some(issue);
    let number = s
        .bulletin_pattern
        .as_deref()
        .map(|p| doc_number(p, year, issue));
    opts.issuing = issuing(s, number);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_gets_a_number_only_with_a_serial_and_a_pattern() {
        let s = PlanSettings {
            office: Some("区政府督查办".into()),
            report_pattern: Some("沙府督〔{year}〕{n}号".into()),
            addressee: Some("区人民政府".into()),
            cc: vec!["区委办公室".into()],
            ..PlanSettings::default()
        };
        let mut o = ReportOptions::default();
        apply_to_report(&mut o, &s, Some(2026), Some(12));
        assert_eq!(o.issuing.number.as_deref(), Some("沙府督〔2026〕12号"));
        assert_eq!(o.office.as_deref(), Some("区政府督查办"));
        assert_eq!(o.addressee, "区人民政府");
        assert_eq!(o.issuing.cc, ["区委办公室"]);
        apply_to_report(&mut o, &s, Some(2026), None);
        assert_eq!(o.issuing.number, None);
        // No office saved: the one the ledger named stays.
        let mut o = ReportOptions {
            office: Some("来源文件的机关".into()),
            ..ReportOptions::default()
        };
        apply_to_report(&mut o, &PlanSettings::default(), None, Some(1));
        assert_eq!(o.office.as_deref(), Some("来源文件的机关"));
        assert_eq!(o.addressee, "区政府");
    }

    #[test]
    fn the_bulletin_is_numbered_by_its_issue() {
        let s = PlanSettings {
            bulletin_pattern: Some("督通〔{year}〕{n}号".into()),
            ..PlanSettings::default()
        };
        let mut o = BulletinOptions::default();
        apply_to_bulletin(&mut o, &s, 2026, 3);
        assert_eq!(o.issue, Some(3));
        assert_eq!(o.issuing.number.as_deref(), Some("督通〔2026〕3号"));
    }
}
