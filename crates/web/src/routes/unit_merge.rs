//! Merging a duplicate unit into another (区工投公司 into 工投公司): the office picks both,
//! confirms, and the store moves everything in one transaction.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_store::{SessionUser, StoreError, UnitId};
use minijinja::context;
use serde::Deserialize;

use crate::error::PageError;
use crate::security::CurrentUser;
use crate::state::AppState;

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render(&app, &user, None, None, &MergeForm::default()).await
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    error: Option<String>,
    done: Option<String>,
    form: &MergeForm,
) -> Result<Html<String>, PageError> {
    let units: Vec<_> = app
        .store
        .units()
        .await?
        .iter()
        .map(|u| {
            context! {
                id => u.id.0.to_string(),
                display => u.display(),
                tasks => u.lead_tasks + u.coop_tasks,
            }
        })
        .collect();
    app.templates.page(
        "unit_merge.html",
        Some(user),
        "users",
        context! { units, error, done, into => form.into, from => form.from },
    )
}

#[derive(Deserialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    into: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    confirm: String,
}

fn unit(id: &str) -> Option<UnitId> {
    id.trim().parse::<i64>().ok().map(UnitId)
}

pub async fn submit(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<MergeForm>,
) -> Result<Response, PageError> {
    let fail = |msg: String| async {
        let html = render(&app, &user, Some(msg), None, &f).await?;
        Ok::<Response, PageError>((StatusCode::BAD_REQUEST, html).into_response())
    };
    let (Some(into), Some(from)) = (unit(&f.into), unit(&f.from)) else {
        return fail("请选择保留的单位和被合并的单位".into()).await;
    };
    if f.confirm != "yes" {
        return fail("合并不可撤销，请勾选“确认合并”".into()).await;
    }
    let names = |id: UnitId| {
        let store = app.store.clone();
        async move { Ok::<_, StoreError>(store.unit(id).await?.map(|u| u.name)) }
    };
    let (Some(into_name), Some(from_name)) = (names(into).await?, names(from).await?) else {
        return fail("所选单位不存在，请刷新后重选".into()).await;
    };
    match app.store.merge_units(into, from, &user.username).await {
        Ok(s) => {
            let done = format!(
                "已将“{from_name}”并入“{into_name}”：移交任务 {} 项（合并重复 {} 项），\
                 报告、督办单等记录 {} 条，账号 {} 个；“{from_name}”已成为“{into_name}”的别名，\
                 今后导入的台账中写作“{from_name}”的也归入“{into_name}”。",
                s.links_moved, s.links_folded, s.records_moved, s.accounts_moved
            );
            app.current.invalidate();
            app.people.invalidate();
            Ok(render(&app, &user, None, Some(done), &MergeForm::default())
                .await?
                .into_response())
        }
        Err(StoreError::Invalid(m)) => fail(m).await,
        Err(e) => Err(e.into()),
    }
}
