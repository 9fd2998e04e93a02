//! The OpenAPI 3.1 document of the JSON API, written here so nothing is fetched or
//! generated at build time.

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn verdict_schema() -> Value {
    json!({"type": ["string", "null"], "enum": ["met", "not_met", "unverifiable", "qualitative", null]})
}

pub fn spec() -> Value {
    let mut doc = paths_and_schemas();
    accept_bearer(&mut doc);
    doc
}

/// Every operation that needs a login also takes an API token instead: one place, so a
/// route added later cannot forget it. Anonymous operations (`security: []`) stay so.
fn accept_bearer(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            if let Some(sec) = op.get_mut("security").and_then(Value::as_array_mut)
                && !sec.is_empty()
            {
                sec.push(json!({"bearer": []}));
            }
        }
    }
}

fn paths_and_schemas() -> Value {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let err = |desc: &str| json!({"description": desc, "content": {"application/json": {"schema": error}}});
    // Built apart from the document: one json! for all of it would pass the macro's nesting limit.
    let task_detail = json!({"type": "object", "properties": {
        "progress": {"type": "string"}, "progress_label": {"type": ["string", "null"]},
        "leader": {"type": ["string", "null"]}, "explanation": {"type": ["string", "null"]},
        "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Target"}},
        "final_verdict": {"allOf": [{"$ref": "#/components/schemas/Verdict"}], "description": "督查办改判（若有）"},
        "override_reason": {"type": ["string", "null"]},
        "verdict_source_label": {"type": "string", "description": "结论来源，如“机器判断，依据第三季度报告（2026-10-08通过）”"},
        "evidence": {"type": "object", "description": "依据：{kind: imported} 或 {kind: report, round_id, round_name, accepted_on}"},
        "evidence_text": {"type": "string", "description": "作为依据的文字；targets 的证据偏移指向此文字"},
        "evidence_figures": {"description": "依据报告中填报的数字（按目标键）"},
        "as_of": {"type": ["string", "null"], "description": "依据所述截至日期（未到完成时限时），YYYY-MM-DD"},
        "schedule": {"type": ["string", "null"], "description": "未到完成时限时的序时进度：超序时 / 序时推进 / 滞后"}
    }});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "督办 duban API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "重点任务督查督办系统的 JSON 接口。登录后会话保存在 HttpOnly Cookie 中；除登录外，所有修改请求须带 X-CSRF-Token 请求头（登录响应中的 csrf_token）。单位账号只能看到本单位牵头或配合的任务，其他任务返回 404。脚本可改用 API 令牌：Authorization: Bearer dbn_…（见 bearer 安全方案）。"
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "duban_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "API 令牌（在“API 令牌”页面创建，以 dbn_ 开头）：以令牌所属账号的角色和单位范围访问；只读令牌只能用于 GET；带令牌的请求不需要 CSRF 请求头"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Verdict": verdict_schema(),
                "TaskRow": {
                    "type": "object",
                    "required": ["id", "table", "row", "section", "text", "lead_units", "coop_units", "verdict", "office_verdict"],
                    "properties": {
                        "id": {"type": "integer"},
                        "table": {"type": "integer"},
                        "row": {"type": "integer"},
                        "section": {"type": ["string", "null"]},
                        "text": {"type": "string"},
                        "lead_units": {"type": "array", "items": {"type": "string"}},
                        "coop_units": {"type": "array", "items": {"type": "string"}},
                        "lead_groups": {"type": "array", "items": {"type": "string"}},
                        "coop_groups": {"type": "array", "items": {"type": "string"}},
                        "deadline": {"type": ["string", "null"]},
                        "verdict": {"allOf": [{"$ref": "#/components/schemas/Verdict"}], "description": "最终结论（以此为准）：督查办改判，否则导入台账时督查办的结论（仅在导入的完成情况仍为依据时），否则机器对依据的判断；verdict 筛选与各项统计均按此字段"},
                        "office_verdict": {"allOf": [{"$ref": "#/components/schemas/Verdict"}], "description": "导入台账时督查办的结论（只对导入时的完成情况有效）"},
                        "machine_verdict": {"allOf": [{"$ref": "#/components/schemas/Verdict"}], "description": "机器对当前依据（最新通过的牵头单位报告，否则导入的完成情况）的判断"},
                        "disputed": {"type": "boolean"},
                        "verdict_source": {"type": "string", "enum": ["override", "office", "machine"], "description": "最终结论的来源"},
                        "closed_on": {"type": ["string", "null"], "format": "date", "description": "办结销号日期；未办结为 null"}
                    }
                },
                "Target": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": ["quantity", "growth", "share", "deliverable", "qualitative"]},
                        "metric": {"type": ["string", "null"]},
                        "comparator": {"type": ["string", "null"]},
                        "value": {"type": ["number", "null"]},
                        "unit": {"type": ["string", "null"]},
                        "verdict": {"$ref": "#/components/schemas/Verdict"},
                        "evidence": {
                            "type": ["object", "null"],
                            "description": "进展文字中的证据片段；start/end 为字符（Unicode 标量）偏移",
                            "properties": {
                                "text": {"type": "string"},
                                "start": {"type": "integer"},
                                "end": {"type": "integer"},
                                "value": {"type": ["number", "null"]},
                                "unit": {"type": ["string", "null"]}
                            }
                        },
                        "explanation": {"type": "string"}
                    }
                },
                "VerdictCounts": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"}, "met": {"type": "integer"}, "not_met": {"type": "integer"},
                        "unverifiable": {"type": "integer"}, "qualitative": {"type": "integer"}, "none": {"type": "integer"}
                    }
                }
            }
        },
        "paths": {
            "/healthz": {"get": {
                "summary": "健康检查", "security": [],
                "responses": {"200": {"description": "服务与数据库正常", "content": {"text/plain": {"schema": {"type": "string", "const": "ok"}}}},
                              "503": {"description": "数据库不可用"}}
            }},
            "/api/session": {
                "post": {
                    "summary": "登录", "security": [],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["username", "password"],
                        "properties": {"username": {"type": "string"}, "password": {"type": "string"}}
                    }}}},
                    "responses": {
                        "200": {"description": "登录成功，设置会话 Cookie", "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {"username": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "leader", "unit"]},
                                           "must_change": {"type": "boolean"}, "csrf_token": {"type": "string"}}
                        }}}},
                        "401": err("用户名或密码错误"),
                        "423": err("连续输错5次，账号锁定15分钟")
                    }
                },
                "delete": {
                    "summary": "退出登录", "security": [{"session": [], "csrf": []}],
                    "responses": {"204": {"description": "会话已结束"}, "401": err("未登录"), "403": err("CSRF 校验失败")}
                }
            },
            "/api/tasks": {"get": {
                "summary": "任务列表（按权限范围）", "security": [{"session": []}],
                "parameters": [
                    {"name": "verdict", "in": "query", "schema": {"type": "string", "enum": ["met", "not_met", "unverifiable", "qualitative"]}},
                    {"name": "lead_unit", "in": "query", "description": "牵头单位名称、别名或编号", "schema": {"type": "string"}},
                    {"name": "section", "in": "query", "description": "工作板块（精确匹配）", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "description": "在任务、进展和板块中搜索，一个汉字即可", "schema": {"type": "string"}},
                    {"name": "disputed", "in": "query", "description": "仅列出督查办与机器判断不一致的任务", "schema": {"type": "boolean"}},
                    {"name": "leader", "in": "query", "description": "责任领导（精确匹配）", "schema": {"type": "string"}},
                    {"name": "light", "in": "query", "description": "状态灯：red 红、amber 黄、green 绿", "schema": {"type": "string", "enum": ["red", "amber", "green"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 500}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}}
                ],
                "responses": {
                    "200": {"description": "任务", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["tasks"],
                        "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/TaskRow"}},
                                       "total": {"type": "integer", "description": "符合条件的任务总数"}}
                    }}}},
                    "400": err("参数无效"), "401": err("未登录")
                }
            }},
            "/api/tasks/{id}": {"get": {
                "summary": "任务详情", "security": [{"session": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "include", "in": "query", "description": "逗号分隔：reports（该任务的全部填报记录，按权限范围）、history（结论变化）", "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "任务，含进展、目标与证据", "content": {"application/json": {"schema": {
                        "allOf": [{"$ref": "#/components/schemas/TaskRow"}, task_detail]
                    }}}},
                    "401": err("未登录"), "404": err("任务不存在或不在权限范围内")
                }
            }},
            "/api/overview": {"get": {
                "summary": "总览统计（按权限范围）", "security": [{"session": []}],
                "responses": {
                    "200": {"description": "按结论、板块、牵头单位统计", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "plan": {"type": ["object", "null"]},
                            "counts": {"$ref": "#/components/schemas/VerdictCounts"},
                            "disputed": {"type": "integer"},
                            "by_section": {"type": "array", "items": {"type": "object", "properties": {
                                "section": {"type": ["string", "null"]}, "counts": {"$ref": "#/components/schemas/VerdictCounts"}}}},
                            "by_lead_unit": {"type": "array", "items": {"type": "object", "properties": {
                                "unit_id": {"type": "integer"}, "name": {"type": "string"}, "counts": {"$ref": "#/components/schemas/VerdictCounts"}}}}
                        }
                    }}}},
                    "401": err("未登录")
                }
            }},
            "/api/units": {"get": {
                "summary": "单位列表（单位账号只见本单位）", "security": [{"session": []}],
                "responses": {"200": {"description": "单位", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"units": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}},
                        "lead_tasks": {"type": "integer"}, "coop_tasks": {"type": "integer"}}}}}
                }}}}, "401": err("未登录")}
            }},
            "/api/openapi.json": {"get": {
                "summary": "本文档", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 文档"}}
            }}
        }
    });
    add_exports(&mut doc, &err);
    doc
}

/// The data exports under `/downloads/`: office and leaders, by session only (a token
/// counts on `/api/` alone), with the content type each answers in. Their columns are in
/// docs/api.md; the document gives the types, the filters and who may call them.
fn add_exports(doc: &mut Value, err: &dyn Fn(&str) -> Value) {
    let csv = |desc: &str| json!({"description": desc, "content": {"text/csv; charset=utf-8": {"schema": {"type": "string", "description": "UTF-8（带 BOM）、CRLF、RFC 4180 引号；以 = + - @ 开头的单元格前加 '"}}}});
    let denied = |r: &mut Value| {
        r["401"] = err("未登录");
        r["403"] = err("单位账号无权导出");
    };
    let q = |name: &str, desc: &str| json!({"name": name, "in": "query", "description": desc, "schema": {"type": "string"}});
    let mut tasks = json!({"200": csv("任务清单：序号、表、行、工作板块、具体任务、牵头单位、配合单位、责任领导、完成时限、最终结论、结论来源、督查办结论、自动判断、有争议、灯、灯说明、依据"), "400": err("筛选条件无效")});
    denied(&mut tasks);
    let mut reports = json!({"200": csv("该轮全部填报：序号、具体任务、填报单位、状态、自评、完成情况、数据、延期原因、下步打算、提交时间、审核人、退回原因、版本"), "404": err("轮次不存在")});
    denied(&mut reports);
    let mut plan = json!({
        "200": {"description": "当前计划的全部数据（duban.plan.v1）", "content": {"application/json": {"schema": {
            "type": "object", "required": ["format", "plan", "tasks", "standings", "rounds", "reports", "notices", "audit"],
            "properties": {
                "format": {"type": "string", "const": "duban.plan.v1"},
                "exported_at": {"type": "string", "format": "date-time"},
                "plan": {"type": "object"},
                "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/TaskRow"}},
                "standings": {"type": "array", "items": {"type": "object"}},
                "rounds": {"type": "array", "items": {"type": "object"}},
                "reports": {"type": "array", "items": {"type": "object"}},
                "notices": {"type": "array", "items": {"type": "object"}},
                "audit": {"type": "array", "items": {"type": "object"}, "description": "审计日志（整条链，最早的在前）"}
            }
        }}}},
        "404": err("尚未导入计划")
    });
    denied(&mut plan);
    let session = json!([{"session": []}]);
    let paths = &mut doc["paths"];
    paths["/downloads/tasks.csv"] = json!({"get": {
        "summary": "导出任务清单（CSV，督查办与领导）", "security": session,
        "parameters": [
            q("section", "工作板块（精确匹配）"), q("lead_unit", "牵头单位名称、别名或编号"),
            q("verdict", "最终结论：met | not_met | unverifiable | qualitative"),
            q("q", "搜索"), q("disputed", "仅有争议的任务"),
            q("light", "灯：red | amber | green"), q("leader", "责任领导（按台账写法）")
        ],
        "responses": tasks
    }});
    paths["/downloads/rounds/{id}/reports.csv"] = json!({"get": {
        "summary": "导出一轮的填报情况（CSV，督查办与领导）", "security": session,
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": reports
    }});
    paths["/downloads/plan.json"] = json!({"get": {
        "summary": "导出当前计划（JSON，督查办与领导）", "security": session,
        "responses": plan
    }});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_documented() {
        let doc = spec();
        for r in crate::route_list() {
            if r.path.starts_with("/api/") || r.path == "/healthz" || is_data_export(r.path) {
                let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
                assert!(
                    op.is_object(),
                    "{} {} missing from the OpenAPI document",
                    r.method,
                    r.path
                );
            }
        }
    }

    /// The downloads that are data (CSV, JSON), not documents for print.
    fn is_data_export(path: &str) -> bool {
        path.starts_with("/downloads/") && (path.ends_with(".csv") || path.ends_with(".json"))
    }

    #[test]
    fn exports_name_their_content_types() {
        let doc = spec();
        let ok = |p: &str| doc["paths"][p]["get"]["responses"]["200"]["content"].clone();
        assert!(ok("/downloads/tasks.csv")["text/csv; charset=utf-8"].is_object());
        assert!(ok("/downloads/rounds/{id}/reports.csv")["text/csv; charset=utf-8"].is_object());
        assert!(ok("/downloads/plan.json")["application/json"].is_object());
        // Session only: a token counts on /api/ alone, and the document must not promise it.
        let sec = &doc["paths"]["/downloads/plan.json"]["get"]["security"];
        assert_eq!(sec, &json!([{"session": []}]));
        assert!(doc["paths"]["/downloads/tasks.csv"]["get"]["responses"]["403"].is_object());
    }
}
