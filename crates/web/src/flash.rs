//! Success messages after an action. A handler that redirects names a message by a code
//! from [`MESSAGES`]; the code rides in a short-lived cookie to the next page, which shows
//! the message once and clears the cookie. Only known codes are ever shown, so nothing a
//! request carries is echoed back as text.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const COOKIE: &str = "duban_flash";

/// Every message a redirect may carry, by code.
const MESSAGES: &[(&str, &str)] = &[
    ("report_accepted", "报告已通过。"),
    ("reports_accepted", "所选报告已批量通过。"),
    ("report_returned", "报告已退回，单位已收到通知。"),
    ("report_reopened", "报告已重新开放，单位可以更正。"),
    ("queue_done", "本轮已没有待审核的报告。"),
    ("verdict_saved", "最终结论已保存。"),
    ("round_opened", "填报轮次已开启。"),
    ("round_closed", "填报轮次已关闭，本轮报告已锁定。"),
    ("round_reopened", "填报轮次已重新开放。"),
    ("notice_issued", "督办单已下发。"),
    ("notice_answered", "督办单答复已保存。"),
    ("notice_closed", "督办单已办结。"),
    ("extension_requested", "延期申请已提交，等待督查办审批。"),
    ("extension_decided", "延期申请已处理。"),
    ("closeout_applied", "办结申请已提交，等待督查办审核。"),
    ("closeout_decided", "办结申请已处理。"),
    ("task_reopened", "任务已重新打开。"),
    ("instruction_written", "批示已保存，相关单位已收到通知。"),
    ("instruction_answered", "批示答复已保存。"),
    ("report_saved", "报告已保存。"),
    ("contribution_saved", "配合材料已保存，牵头单位已收到通知。"),
    ("contribution_merged", "配合材料已并入草稿。"),
    ("task_saved", "任务已保存。"),
    ("task_retired", "任务已停用。"),
    ("milestone_saved", "时间节点已保存。"),
    ("milestone_removed", "时间节点已删除。"),
    ("task_split", "任务已分解。"),
    ("handover_done", "台账已交办，各牵头单位已收到通知。"),
    ("acknowledged", "已签收。"),
    ("change_requested", "调整申请已提交，等待督查办审核。"),
    ("change_decided", "调整申请已处理。"),
    ("password_changed", "密码已修改。"),
    ("notification_read", "已标为已读。"),
];

/// The message for a code, if it is one of ours.
pub fn message(code: &str) -> Option<&'static str> {
    MESSAGES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// A redirect to a service-local path that shows `code`'s message on arrival.
pub fn redirect(path: &str, code: &'static str) -> Response {
    debug_assert!(message(code).is_some(), "unknown flash code {code}");
    ([(header::SET_COOKIE, cookie(code, 60))], Redirect::to(path)).into_response()
}

/// Clears the message once a page has shown it.
pub fn clear() -> HeaderValue {
    cookie("", 0)
}

fn cookie(code: &str, max_age: u32) -> HeaderValue {
    // Codes are ASCII made here and the path is checked at start: this cannot fail, but a
    // lost message is better than a panic.
    let path = crate::site::cookie_path();
    HeaderValue::from_str(&format!(
        "{COOKIE}={code}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("duban_flash=; Max-Age=0"))
}

tokio::task_local! {
    /// The message to show on the page being rendered, set by the guard from the cookie.
    pub static FLASH: Option<&'static str>;
}

/// The message for this request's page, if any.
pub fn current() -> Option<&'static str> {
    FLASH.try_with(|f| *f).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_codes_have_text() {
        assert_eq!(message("report_accepted"), Some("报告已通过。"));
        assert_eq!(message("<script>"), None);
        assert_eq!(message(""), None);
    }

    #[test]
    fn codes_are_unique_and_cookie_safe() {
        let mut seen = std::collections::HashSet::new();
        for (c, m) in MESSAGES {
            assert!(seen.insert(*c), "duplicate code {c}");
            assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(!m.is_empty());
        }
    }
}
