//! What the office prints on a plan's documents (公文要素): the issuing office, the
//! 发文字号 patterns of each kind of document, 主送, 抄送, 印发机关 and the 附注's contact.
//! One row per plan, kept from the settings page; every save is audited.

use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError};

/// The longest value a field takes (a 文号 pattern, an office, a phone number).
pub const MAX_FIELD_CHARS: usize = 200;

/// A plan's document settings. `None` (or an empty list) leaves the document's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanSettings {
    /// 发文机关.
    pub office: Option<String>,
    /// 发文字号 patterns with `{year}` and `{n}`: the year-end report, the bulletin, the
    /// 督办单 and the 催办单.
    pub report_pattern: Option<String>,
    pub bulletin_pattern: Option<String>,
    pub supervision_pattern: Option<String>,
    pub reminder_pattern: Option<String>,
    /// 主送机关 of the year-end report.
    pub addressee: Option<String>,
    /// 抄送机关, in order.
    pub cc: Vec<String>,
    /// 印发机关; the office when absent.
    pub printed_by: Option<String>,
    /// 附注's 联系人 and 电话.
    pub contact: Option<String>,
    pub phone: Option<String>,
    /// Who saved them last and when; `None` while the plan has none saved (the office is
    /// then the one its source document names).
    pub updated_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

/// The pattern fields, with the names the settings page gives them.
pub const PATTERN_LABELS: [&str; 4] = [
    "年终报告发文字号",
    "通报发文字号",
    "督办单发文字号",
    "催办单发文字号",
];

/// A 发文字号 pattern the office may save: it holds `{n}` once (else every document would
/// carry the same number), `{year}` at most once, and no other `{…}`. `label` names the
/// field in the message.
pub fn check_pattern(label: &str, pattern: &str) -> Result<(), StoreError> {
    let p = pattern.trim();
    if p.matches("{n}").count() != 1 {
        return Err(StoreError::Invalid(format!(
            "{label}“{p}”须含且只含一个 {{n}}（序号），如“沙督办〔{{year}}〕{{n}}号”"
        )));
    }
    if p.matches("{year}").count() > 1 {
        return Err(StoreError::Invalid(format!(
            "{label}“{p}”中 {{year}}（年份）只能出现一次"
        )));
    }
    let rest = p.replace("{n}", "").replace("{year}", "");
    if rest.contains(['{', '}']) {
        return Err(StoreError::Invalid(format!(
            "{label}“{p}”只能使用 {{year}} 和 {{n}} 两个占位符"
        )));
    }
    Ok(())
}

impl PlanSettings {
    /// Trims every field, drops empty ones and checks what the office may save.
    pub fn normalized(mut self) -> Result<Self, StoreError> {
        let clean = |v: &mut Option<String>, label: &str| -> Result<(), StoreError> {
            *v = v
                .take()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            if v.as_ref()
                .is_some_and(|s| s.chars().count() > MAX_FIELD_CHARS)
            {
                return Err(StoreError::Invalid(format!(
                    "{label}过长：最多 {MAX_FIELD_CHARS} 个字"
                )));
            }
            Ok(())
        };
        clean(&mut self.office, "发文机关")?;
        clean(&mut self.addressee, "主送机关")?;
        clean(&mut self.printed_by, "印发机关")?;
        clean(&mut self.contact, "联系人")?;
        clean(&mut self.phone, "联系电话")?;
        for (label, p) in PATTERN_LABELS.into_iter().zip([
            &mut self.report_pattern,
            &mut self.bulletin_pattern,
            &mut self.supervision_pattern,
            &mut self.reminder_pattern,
        ]) {
            clean(p, label)?;
            if let Some(p) = p.as_deref() {
                check_pattern(label, p)?;
            }
        }
        self.cc = self
            .cc
            .iter()
            .flat_map(|c| c.split(['\n', '，', '、', ',']))
            .map(|c| c.trim().trim_end_matches('。').trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if self.cc.iter().any(|c| c.chars().count() > MAX_FIELD_CHARS) {
            return Err(StoreError::Invalid(format!(
                "抄送机关过长：每个最多 {MAX_FIELD_CHARS} 个字"
            )));
        }
        Ok(self)
    }

    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "office": self.office,
            "report_pattern": self.report_pattern,
            "bulletin_pattern": self.bulletin_pattern,
            "supervision_pattern": self.supervision_pattern,
            "reminder_pattern": self.reminder_pattern,
            "addressee": self.addressee,
            "cc": self.cc,
            "printed_by": self.printed_by,
            "contact": self.contact,
            "phone": self.phone,
        })
    }
}

impl Store {
    /// The plan's document settings; before the office saved any, the issuing office the
    /// source document names and nothing else.
    pub async fn plan_settings(&self, plan: PlanId) -> Result<PlanSettings, StoreError> {
        dispatch!(self, plan_settings::load(plan))
    }

    /// Saves the plan's document settings (checked by [`PlanSettings::normalized`]) and
    /// audits the change in the same transaction.
    pub async fn save_plan_settings(
        &self,
        plan: PlanId,
        settings: PlanSettings,
        actor: &str,
    ) -> Result<PlanSettings, StoreError> {
        let settings = settings.normalized()?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, plan_settings::save(plan, &settings, actor, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_needs_one_serial_and_no_stray_placeholder() {
        assert!(check_pattern("督办单发文字号", "沙督办〔{year}〕{n}号").is_ok());
        assert!(check_pattern("x", "督{n}").is_ok());
        let e = check_pattern("督办单发文字号", "沙督办〔{year}〕号").unwrap_err();
        assert!(
            e.to_string()
                .contains("督办单发文字号“沙督办〔{year}〕号”须含")
        );
        assert!(check_pattern("x", "{n}{n}").is_err());
        assert!(check_pattern("x", "{year}{year}{n}").is_err());
        assert!(check_pattern("x", "{yr}{n}").is_err());
    }

    #[test]
    fn normalizing_trims_and_splits_the_cc() {
        let s = PlanSettings {
            office: Some("  区督查办 ".into()),
            phone: Some(" ".into()),
            cc: vec!["区委办公室，区人大办公室\n区政协办公室。".into()],
            ..PlanSettings::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(s.office.as_deref(), Some("区督查办"));
        assert_eq!(s.phone, None);
        assert_eq!(s.cc, ["区委办公室", "区人大办公室", "区政协办公室"]);
        let long = PlanSettings {
            contact: Some("张".repeat(MAX_FIELD_CHARS + 1)),
            ..PlanSettings::default()
        };
        assert!(long.normalized().is_err());
    }
}
