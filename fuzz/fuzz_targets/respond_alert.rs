//! Arbitrary bytes as a playbooks file, and as a Falco JSON alert (what `respond --listen` takes
//! from the network) matched against a fixed set of playbooks: no panic, bounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_respond::{AlertRecord, Playbooks, Target};

fuzz_target!(|data: &[u8]| {
    let _ = Playbooks::parse("fuzz.yaml", data);
    let playbooks = Playbooks::parse(
        "fuzz.yaml",
        br#"
playbooks:
  - name: a
    match: {rules: ["Terminal shell *", "**"], priority: ">=Warning", tags: [container],
            fields: ["k8s.ns.name!=kube-system", "container.image.repository=**/busybox*"]}
    actions: [kill-process]
"#,
    )
    .unwrap_or_default();
    let Ok(json) = serde_json::from_slice(data) else {
        return;
    };
    if let Ok(alert) = AlertRecord::from_json(json) {
        for p in &playbooks.playbooks {
            let _ = p.matcher.matches(&alert);
        }
        let _ = Target::of(&alert, None);
        let _ = alert.slack();
    }
});
