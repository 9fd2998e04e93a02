//! Audit entries' before/after JSON as rows a reader can scan: one row per field, the old
//! and the new value, and whether it changed.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub changed: bool,
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "（空）".into(),
        other => other.to_string(),
    }
}

fn parse(s: Option<&str>) -> Option<Value> {
    let s = s?;
    Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string())))
}

/// Field-by-field rows for two JSON documents (either may be absent). Objects are compared
/// key by key in first-seen order; anything else is one row named "值".
pub fn rows(before: Option<&str>, after: Option<&str>) -> Vec<DiffRow> {
    let (b, a) = (parse(before), parse(after));
    match (&b, &a) {
        (Some(Value::Object(_)) | None, Some(Value::Object(_)) | None) => {
            let empty = serde_json::Map::new();
            let bm = b.as_ref().and_then(Value::as_object).unwrap_or(&empty);
            let am = a.as_ref().and_then(Value::as_object).unwrap_or(&empty);
            let mut keys: Vec<&String> = bm.keys().collect();
            for k in am.keys() {
                if !bm.contains_key(k) {
                    keys.push(k);
                }
            }
            keys.into_iter()
                .map(|k| {
                    let (bv, av) = (bm.get(k), am.get(k));
                    DiffRow {
                        field: k.clone(),
                        before: bv.map(show),
                        after: av.map(show),
                        changed: bv != av,
                    }
                })
                .collect()
        }
        _ => vec![DiffRow {
            field: "值".into(),
            before: b.as_ref().map(show),
            after: a.as_ref().map(show),
            changed: b != a,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_compare_field_by_field() {
        let r = rows(
            Some(r#"{"final_verdict":null,"reason":null}"#),
            Some(r#"{"final_verdict":"met","reason":"复核","by":1}"#),
        );
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].field, "final_verdict");
        assert_eq!(r[0].before.as_deref(), Some("（空）"));
        assert_eq!(r[0].after.as_deref(), Some("met"));
        assert!(r[0].changed);
        assert_eq!(r[2].field, "by");
        assert_eq!(r[2].before, None);
    }

    #[test]
    fn creation_unchanged_fields_and_non_objects() {
        let r = rows(None, Some(r#"{"name":"1月"}"#));
        assert_eq!((r[0].before.clone(), r[0].changed), (None, true));
        let same = rows(Some(r#"{"a":1}"#), Some(r#"{"a":1}"#));
        assert!(!same[0].changed);
        let text = rows(Some("not json"), Some("[1,2]"));
        assert_eq!(text.len(), 1);
        assert_eq!(text[0].before.as_deref(), Some("not json"));
        assert_eq!(text[0].after.as_deref(), Some("[1,2]"));
        assert!(rows(None, None).is_empty());
    }
}
