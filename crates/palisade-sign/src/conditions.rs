//! Conditions on a verified attestation's predicate, as `verify-attestation --require` and
//! the admission webhook's `require` / `maxAge` state them.

use std::time::Duration;

use serde_json::Value;

/// Why a verified predicate does not meet the conditions, if it does not: every
/// `(dotted.path, value)` must hold (strings compared without case, other values as JSON), and
/// with `max_age` its `time` (or cosign's `metadata.scanFinishedOn`) must be recent enough.
pub fn unmet(
    predicate: &Value,
    require: &[(String, String)],
    max_age: Option<Duration>,
) -> Option<String> {
    for (path, want) in require {
        let have = predicate.pointer(&format!("/{}", path.replace('.', "/")));
        let ok = match have {
            Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
            Some(other) => *other == serde_json::from_str::<Value>(want).unwrap_or_default(),
            None => false,
        };
        if !ok {
            return Some(format!(
                "requires {path}={want}, the attestation says {}",
                have.map_or("nothing".to_owned(), ToString::to_string)
            ));
        }
    }
    if let Some(max) = max_age {
        let time = predicate
            .get("time")
            .or_else(|| predicate.pointer("/metadata/scanFinishedOn"))
            .and_then(Value::as_str);
        let Some(at) = time.and_then(palisade_core::time::parse_rfc3339_nanos) else {
            return Some("a maximum age needs a `time` in the predicate; it has none".into());
        };
        let age = palisade_core::time::now() - at.div_euclid(1_000_000_000);
        if age > i64::try_from(max.as_secs()).unwrap_or(i64::MAX) {
            return Some(format!(
                "the attestation is {age} s old, over the maximum of {} s",
                max.as_secs()
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_on_predicates() {
        let p = json!({"final_action": "go", "counts": {"critical": 0}, "time": "2020-01-01T00:00:00Z"});
        let req = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        assert_eq!(unmet(&p, &req("final_action", "GO"), None), None);
        assert_eq!(unmet(&p, &req("counts.critical", "0"), None), None);
        assert!(
            unmet(&p, &req("final_action", "stop"), None)
                .unwrap()
                .contains("requires final_action=stop")
        );
        assert!(
            unmet(&p, &req("missing", "x"), None)
                .unwrap()
                .contains("says nothing")
        );
        assert!(
            unmet(&p, &[], Some(Duration::from_secs(3600)))
                .unwrap()
                .contains("old")
        );
        assert!(
            unmet(&json!({}), &[], Some(Duration::from_secs(3600)))
                .unwrap()
                .contains("no")
        );
    }
}
