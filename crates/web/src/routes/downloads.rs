//! Documents from the service: the year-end report (.docx), the ledger (.xlsx) and a
//! round's bulletin (.docx), written from the current plan as stored now.
//!
//! Who may download: the office and leaders (`Access::Oversight`). Unit users may not: the
//! documents cover every unit's tasks, and the year-end report and bulletin are the office's
//! drafts to the government, not the units' to circulate. The guard enforces it (403).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use duban_docs::{BulletinOptions, ReportOptions, VerdictSource};
use duban_store::RoundId;
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::oversight;
use crate::state::AppState;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `attachment` with an ASCII fallback name and the real (Chinese) name as RFC 5987
/// `filename*`, which every current browser prefers.
pub fn content_disposition(fallback: &str, name: &str) -> String {
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{enc}")
}

/// A file name every system accepts, Windows included: the characters `<>:"/\|?*` and
/// control characters (which a round or plan name may hold) become "_", trailing dots and
/// spaces go, and a reserved device name (CON, NUL, COM1…) gets a "_" in front.
pub fn portable_file_name(name: &str, fallback: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while out.ends_with(['.', ' ']) {
        out.pop();
    }
    let stem = out
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    if reserved {
        out.insert(0, '_');
    }
    if out.trim_start_matches(['_', '.', ' ']).is_empty() {
        return fallback.to_string();
    }
    out
}

/// A download: its type, both names (see [`content_disposition`]) and never cached.
pub(crate) fn file(
    bytes: Vec<u8>,
    content_type: &'static str,
    fallback: &str,
    name: &str,
) -> Response {
    let name = &portable_file_name(name, fallback);
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(fallback, name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn docs_failure(e: duban_docs::DocsError) -> Failure {
    Failure::Internal(format!("生成文件失败：{e}"))
}

/// The documents are built on a blocking thread: a large plan takes a good part of a
/// second of CPU, which must not stall the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, duban_docs::DocsError> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::Internal(format!("生成文件中断：{e}")))?
        .map_err(docs_failure)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    /// office | machine | final; absent: final (each task's standing).
    pub source: Option<String>,
    /// The serial of the report's 文号 in the office's register (with the plan's pattern).
    #[serde(default, deserialize_with = "crate::routes::downloads::blank_as_none")]
    pub n: Option<u32>,
}

/// An optional number from a form field that may be left empty.
pub fn blank_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("文号序号“{s}”应为正整数"))),
    }
}

pub fn parse_source(s: &str) -> Option<VerdictSource> {
    match s {
        "office" => Some(VerdictSource::Office),
        "machine" => Some(VerdictSource::Machine),
        "final" => Some(VerdictSource::Final),
        _ => None,
    }
}

pub async fn year_end_report(
    State(app): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let ledger = app.store.plan_ledger(plan.id).await?;
    let mut opts = ReportOptions::for_ledger(&ledger);
    // The plan as stored carries each task's standing: its final verdict is what the
    // office sends unless it asks for one side only.
    opts.verdict_source = VerdictSource::Final;
    // Before the plan's year is out, the standings speak for today, and the report says so.
    let today = crate::lights::today_cst();
    if plan.year.is_some_and(|y| today < format!("{y:04}-12-31")) {
        opts.as_of = Some(oversight::date_zh(&today));
    }
    if let Some(s) = q.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        opts.verdict_source = parse_source(s).ok_or_else(|| {
            Failure::BadRequest(format!("结论来源“{s}”无效：应为 office、machine 或 final"))
        })?;
    }
    let settings = app.store.plan_settings(plan.id).await?;
    crate::routes::plan_settings::apply_to_report(&mut opts, &settings, plan.year, q.n);
    let name = format!("{}.docx", opts.title_for(&ledger));
    let bytes = blocking(move || duban_docs::year_end_report(&ledger, &opts)).await?;
    Ok(file(bytes, DOCX, "year-end-report.docx", &name))
}

pub async fn ledger_xlsx(State(app): State<AppState>) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let ledger = app.store.plan_ledger(plan.id).await?;
    let name = format!("{}台账.xlsx", plan.name);
    let bytes = blocking(move || duban_docs::ledger_xlsx(&ledger)).await?;
    Ok(file(bytes, XLSX, "ledger.xlsx", &name))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BulletinQuery {
    pub round: Option<String>,
}

pub async fn bulletin(
    State(app): State<AppState>,
    Query(q): Query<BulletinQuery>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let rounds = app.store.rounds(plan.id).await?;
    let asked = match q.round.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<RoundId>()
                .map_err(|_| Failure::BadRequest("轮次应为数字编号".into()))?,
        ),
        None => None,
    };
    let round = oversight::pick_round(&rounds, asked)
        .ok_or(Failure::NotFound)?
        .clone();
    let mut data = oversight::bulletin_data(&app.store, &plan, &round).await?;
    crate::routes::scores::add_to_bulletin(&app.store, &round, &mut data).await?;
    let name = format!("{}{}通报.docx", plan.name, round.name);
    // 第X期: the round's place among the plan's rounds, oldest first.
    let issue = rounds.iter().position(|r| r.id == round.id).unwrap_or(0) + 1;
    let mut opts = BulletinOptions {
        date: Some(oversight::date_zh(&crate::lights::today_cst())),
        ..BulletinOptions::default()
    };
    let settings = app.store.plan_settings(plan.id).await?;
    let year = plan
        .year
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().year());
    crate::routes::plan_settings::apply_to_bulletin(
        &mut opts,
        &settings,
        year,
        u32::try_from(issue).unwrap_or(1),
    );
    let bytes = blocking(move || duban_docs::bulletin(&data, &opts)).await?;
    Ok(file(bytes, DOCX, "bulletin.docx", &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_has_an_ascii_fallback_and_the_utf8_name() {
        assert_eq!(
            content_disposition("ledger.xlsx", "2026年 台账.xlsx"),
            "attachment; filename=\"ledger.xlsx\"; \
             filename*=UTF-8''2026%E5%B9%B4%20%E5%8F%B0%E8%B4%A6.xlsx"
        );
    }

    #[test]
    fn file_names_are_valid_on_windows() {
        assert_eq!(
            portable_file_name("2026年<一季度>\"督查\"|?*/\\:通报.docx", "b.docx"),
            "2026年_一季度__督查_______通报.docx"
        );
        assert_eq!(
            portable_file_name("轮次\n\t1.docx", "b.docx"),
            "轮次__1.docx"
        );
        assert_eq!(portable_file_name("通报. ", "b.docx"), "通报");
        assert_eq!(portable_file_name("CON.docx", "b.docx"), "_CON.docx");
        assert_eq!(portable_file_name("com1.xlsx", "b.docx"), "_com1.xlsx");
        assert_eq!(portable_file_name("COMMON.docx", "b.docx"), "COMMON.docx");
        assert_eq!(portable_file_name("???", "b.docx"), "b.docx");
        assert_eq!(
            portable_file_name("2026年台账.xlsx", "l.xlsx"),
            "2026年台账.xlsx"
        );
    }

    #[test]
    fn sources_parse() {
        assert_eq!(parse_source("office"), Some(VerdictSource::Office));
        assert_eq!(parse_source("final"), Some(VerdictSource::Final));
        assert_eq!(parse_source("x"), None);
    }
}
