//! Forms that fail on a person's mistake come back with what was typed and the message
//! beside the field (`aria-invalid`, `aria-describedby`), status 422 — never a bare error
//! page that loses the text. A handler builds a [`Typed`] from its form and the message;
//! the template marks the field it names.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use duban_store::{SessionUser, StoreError, TaskId};
use minijinja::{Value, context};

use crate::error::PageError;
use crate::state::AppState;

/// A failed form: which one, which field the message is about, and every typed value.
#[derive(Debug, Clone)]
pub struct Typed {
    pub form: &'static str,
    pub field: &'static str,
    pub error: String,
    values: BTreeMap<&'static str, String>,
}

impl Typed {
    pub fn new(form: &'static str, field: &'static str, error: impl Into<String>) -> Self {
        Typed {
            form,
            field,
            error: error.into(),
            values: BTreeMap::new(),
        }
    }

    /// Keeps one typed value for the re-rendered form.
    pub fn with(mut self, name: &'static str, value: &str) -> Self {
        self.values.insert(name, value.to_string());
        self
    }

    pub fn context(&self) -> Value {
        context! { form => self.form, field => self.field, error => self.error, values => self.values }
    }
}

/// The message of a store refusal that is the person's to fix (a missing reason, a date in
/// the past); anything else is not a form mistake and passes on as an error page.
pub fn mistake(e: StoreError) -> Result<String, PageError> {
    match e {
        StoreError::Invalid(m) | StoreError::Constraint(m) => Ok(m),
        other => Err(other.into()),
    }
}

/// Which field a message is about, by the words it names (`hints`: word → field); the
/// form's main field when none matches.
pub fn field_for(msg: &str, hints: &[(&str, &'static str)], main: &'static str) -> &'static str {
    hints
        .iter()
        .find(|(word, _)| msg.contains(word))
        .map(|(_, f)| *f)
        .unwrap_or(main)
}

/// The task page again with the failed form filled in and its message, status 422.
pub async fn task_page_again(
    app: &AppState,
    user: &SessionUser,
    task: TaskId,
    typed: Typed,
) -> Result<Response, PageError> {
    let html = crate::routes::pages::task_page(app, user, task, Some(typed.context())).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_named_by_the_message_else_the_main_one() {
        let hints = [("日期", "requested_date"), ("期限", "deadline")];
        assert_eq!(
            field_for("申请延期的日期不能早于今天", &hints, "reason"),
            "requested_date"
        );
        assert_eq!(field_for("必须填写理由", &hints, "reason"), "reason");
    }

    #[test]
    fn only_a_persons_mistake_is_kept_on_the_form() {
        assert_eq!(
            mistake(StoreError::Invalid("理由不能为空".into())).ok(),
            Some("理由不能为空".to_string())
        );
        assert!(mistake(StoreError::NotFound("该任务")).is_err());
    }
}
