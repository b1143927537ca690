//! Conditions and whole rules files from untrusted bytes: parsing and compiling must never
//! panic, and what compiles must evaluate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_rules::program::{Field, FieldSource, Val};
use palisade_rules::{Scratch, ruleset};

/// Every field has one value derived from the input.
struct Fixed<'a>(&'a [u8]);

impl FieldSource for Fixed<'_> {
    fn visit(&self, field: &Field, _buf: &mut Vec<u8>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        match field.ty {
            palisade_rules::fields::FieldType::Num => f(Val::Num(self.0.len() as i64)),
            palisade_rules::fields::FieldType::Bool => f(Val::Bool(self.0.len() % 2 == 0)),
            _ => f(Val::Str(self.0)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // As a condition of a rule.
    let _ = palisade_rules::condition::parse(text);
    let yaml = format!(
        "- macro: m\n  condition: evt.type = open\n- list: l\n  items: [a, b]\n- rule: r\n  desc: d\n  output: o %proc.name\n  priority: INFO\n  condition: {}\n",
        serde_json_string(text)
    );
    let set = ruleset::load(&[("fuzz.yaml".into(), yaml)]);
    let mut scratch = Scratch::default();
    for r in &set.rules {
        let _ = r.condition.eval(&Fixed(data), &mut scratch);
    }
    // As a whole rules file.
    let set = ruleset::load(&[("fuzz.yaml".into(), text.to_string())]);
    for r in &set.rules {
        let _ = r.condition.eval(&Fixed(data), &mut scratch);
    }
});

/// A YAML double-quoted scalar holding `s`.
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
