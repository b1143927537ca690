//! Rules evaluated on synthetic events (the in-memory source of the event model).

use palisade_event::{EventBuilder, EventSource, Inspector, MemorySource, table::ids};
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Engine, ruleset};

const RULES: &str = r#"
- list: sensitive_files
  items: [/etc/shadow, /etc/sudoers]
- macro: open_read
  condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.num >= 0
- rule: read sensitive file
  desc: a sensitive file was opened for reading
  condition: open_read and fd.name in (sensitive_files)
  output: "sensitive file opened (file=%fd.name dir=%fd.directory flags=%evt.arg.flags tid=%thread.tid)"
  priority: WARNING
  tags: [filesystem]
- rule: any etc write
  desc: never matches here
  condition: evt.type = openat and evt.is_open_write = true and fd.name pmatch (/etc)
  output: "write %fd.name"
  priority: ERROR
"#;

#[test]
fn openat_of_shadow_raises_one_alert() {
    let set = ruleset::load(&[("local.yaml".to_string(), RULES.to_string())]);
    assert!(!set.has_errors(), "{:?}", set.diagnostics);
    let (mut engine, diags) = Engine::new(&set, &SyscallTable);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(engine.rules_for_kind(ids::OPENAT_2_X), 2);
    assert_eq!(engine.rules_for_kind(ids::CLOSE_X), 0);

    let mut src = MemorySource::new(vec![
        EventBuilder::new(ids::OPENAT_2_E)
            .tid(7)
            .ts(1_700_000_000_000_000_000)
            .i64(-100)
            .str("/etc/shadow")
            .u32(1)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(7)
            .ts(1_700_000_000_000_000_001)
            .i64(3)
            .i64(-100)
            .str("/etc/shadow")
            .u32(1)
            .u32(0)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(7)
            .ts(1_700_000_000_000_000_002)
            .i64(4)
            .i64(-100)
            .str("/etc/motd")
            .u32(1)
            .u32(0)
            .u32(0)
            .build(),
    ]);
    let mut insp = Inspector::new();
    let mut alerts = Vec::new();
    while let Some(evt) = src.next_event(&mut insp).expect("memory source") {
        insp.process(&evt);
        let ctx = SyscallEvent::new(&evt, &insp, "test-host");
        let mut hits = Vec::new();
        engine.eval_syscall(evt.kind, &ctx, |i| hits.push(i));
        for i in hits {
            alerts.push(engine.alert(i, &ctx, evt.ts, "test-host").expect("rule"));
        }
    }
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a.rule, "read sensitive file");
    assert_eq!(
        a.text(),
        "22:13:20.000000001: Warning sensitive file opened (file=/etc/shadow dir=/etc flags=O_RDONLY tid=7)"
    );
    let json = a.json();
    assert_eq!(json["output_fields"]["fd.name"], "/etc/shadow");
    assert_eq!(json["output_fields"]["thread.tid"], 7);
    assert_eq!(json["time"], "2023-11-14T22:13:20.000000001Z");
    assert_eq!(json["source"], "syscall");
    assert_eq!(json["tags"][0], "filesystem");
    assert_eq!(json["hostname"], "test-host");
}

/// Runs `rules` over the three openat events above and returns the names of the rules that fired.
fn fired(rules: &str) -> Vec<String> {
    let set = ruleset::load(&[("local.yaml".to_string(), rules.to_string())]);
    assert!(!set.has_errors(), "{:?}", set.diagnostics);
    let (mut engine, _) = Engine::new(&set, &SyscallTable);
    let mut src = MemorySource::new(vec![
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(7)
            .i64(3)
            .i64(-100)
            .str("/etc/shadow")
            .u32(1)
            .u32(0)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(7)
            .i64(4)
            .i64(-100)
            .str("/etc/motd")
            .u32(1)
            .u32(0)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(7)
            .i64(5)
            .i64(-100)
            .str("/tmp/aGVsbG8=")
            .u32(3)
            .u32(0)
            .u32(0)
            .build(),
    ]);
    let mut insp = Inspector::new();
    let mut out = Vec::new();
    while let Some(evt) = src.next_event(&mut insp).expect("memory source") {
        insp.process(&evt);
        let ctx = SyscallEvent::new(&evt, &insp, "");
        let mut hits = Vec::new();
        engine.eval_syscall(evt.kind, &ctx, |i| hits.push(i));
        for i in hits {
            let name = &engine.rules()[i].name;
            out.push(format!("{name}@{}", evt.num));
        }
    }
    out
}

#[test]
fn exceptions_overrides_transformers_and_regex() {
    let base = r#"
- rule: etc open
  desc: d
  condition: evt.type = openat and fd.name startswith /etc
  output: o
  priority: INFO
  exceptions:
    - name: motd
      fields: [fd.name]
      comps: [=]
      values: [[/etc/motd]]
"#;
    assert_eq!(fired(base), ["etc open@1"]);
    let more = format!(
        "{base}\n- rule: etc open\n  exceptions:\n    - name: motd\n      values: [[/etc/shadow]]\n  override:\n    exceptions: append\n"
    );
    assert!(fired(&more).is_empty());
    let replaced = format!(
        "{base}\n- rule: etc open\n  condition: evt.type = openat and fd.directory = /tmp\n  override:\n    condition: replace\n"
    );
    assert_eq!(fired(&replaced), ["etc open@3"]);
    let disabled = format!("{base}\n- rule: etc open\n  enabled: false\n");
    assert!(fired(&disabled).is_empty());
    let transformers = r#"
- rule: b64
  desc: d
  condition: evt.type = openat and b64(basename(fd.name)) = hello and toupper(fd.directory) = /TMP
  output: o
  priority: INFO
- rule: regex
  desc: d
  condition: evt.type = openat and fd.name regex '/etc/(sh|pa)[a-z]+' and fd.name iglob '/ETC/*'
  output: o
  priority: INFO
- rule: val
  desc: d
  condition: evt.type = openat and fd.num = val(evt.rawres) and evt.rawarg.fd > 4
  output: o
  priority: INFO
"#;
    assert_eq!(fired(transformers), ["regex@1", "b64@3", "val@3"]);
}

/// `evt.type` comparisons are evaluated on ids by the engine: the answers must be those of the
/// comparison on names, for every operator the engine rewrites and one it leaves alone.
#[test]
fn event_type_ids_answer_like_names() {
    let conditions = [
        "evt.type = openat",
        "evt.type != openat",
        "evt.type in (openat, close)",
        "evt.type intersects (close, nosuch)",
        "evt.type = nosuch",
        "not evt.type in (close)",
        "evt.type startswith open",
    ];
    let events = [
        EventBuilder::new(ids::OPENAT_2_E)
            .tid(7)
            .i64(-100)
            .str("/x")
            .u32(1)
            .u32(0)
            .build(),
        EventBuilder::new(ids::CLOSE_E).tid(7).i64(3).build(),
        EventBuilder::new(ids::CLOSE_X).tid(7).i64(0).build(),
        // read >
        EventBuilder::new(6).tid(7).i64(3).u32(10).build(),
    ];
    for cond in conditions {
        let rule = ruleset::compile_filter(cond).unwrap_or_else(|d| panic!("{cond}: {d:?}"));
        let one = ruleset::Ruleset {
            rules: vec![rule.clone()],
            ..ruleset::Ruleset::default()
        };
        let (engine, _) = Engine::new(&one, &SyscallTable);
        let by_ids = &engine.rules()[0].condition;
        let mut insp = Inspector::new();
        let mut scratch = palisade_rules::Scratch::default();
        let mut src = MemorySource::new(events.to_vec());
        while let Some(evt) = src.next_event(&mut insp).expect("memory source") {
            insp.process(&evt);
            let ctx = SyscallEvent::new(&evt, &insp, "");
            assert_eq!(
                by_ids.eval(&ctx, &mut scratch),
                rule.condition.eval(&ctx, &mut scratch),
                "{cond} on {}",
                evt.name()
            );
        }
    }
}

/// The executable's inode from a recent driver's execve exit, and the time between its last
/// change and the process start (Falco's drop-and-execute signals).
#[test]
fn exe_inode_fields_come_from_execve() {
    let clone_ts = 1_700_000_100_000_000_000u64;
    let ctime = 1_700_000_099_000_000_000u64;
    let events = vec![
        // clone < in the child: the process starts.
        EventBuilder::new(ids::CLONE_20_X)
            .tid(42)
            .ts(clone_ts)
            .i64(0)
            .str("/bin/sh")
            .list(&[])
            .i64(42)
            .i64(42)
            .i64(1)
            .str("/")
            .i64(1024)
            .u64(0)
            .u64(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .str("sh")
            .list(&[])
            .u32(0)
            .u32(0)
            .u32(0)
            .i64(42)
            .i64(42)
            .u64(0)
            .build(),
        EventBuilder::new(ids::EXECVE_19_X)
            .tid(42)
            .ts(clone_ts + 5)
            .i64(0)
            .str("/tmp/dropped")
            .list(&[])
            .i64(42)
            .i64(42)
            .i64(1)
            .str("/")
            .u64(1024)
            .u64(0)
            .u64(0)
            .u32(0)
            .u32(0)
            .u32(0)
            .str("dropped")
            .list(&[])
            .list(&[])
            .i32(0)
            .i64(42)
            .i32(0)
            .u32(2) // upper layer
            .u64(0)
            .u64(0)
            .u64(0)
            .u64(131_077)
            .u64(ctime)
            .u64(ctime - 7)
            .u32(0)
            .str("/tmp/dropped")
            .i64(42)
            .u32(0)
            .build(),
    ];
    let checks = [
        ("proc.exe_ino = 131077", true),
        ("proc.exe_ino.ctime = 1700000099000000000", true),
        ("proc.exe_ino.mtime < val(proc.exe_ino.ctime)", true),
        ("proc.exe_ino.ctime_duration_proc_start = 1000000000", true),
        ("proc.exe_ino.ctime_duration_proc_start < 1000000000", false),
        ("proc.is_exe_upper_layer = true", true),
    ];
    for (cond, want) in checks {
        let rule = ruleset::compile_filter(cond).unwrap_or_else(|d| panic!("{cond}: {d:?}"));
        let mut insp = Inspector::new();
        let mut scratch = palisade_rules::Scratch::default();
        let mut src = MemorySource::new(events.clone());
        let mut last = None;
        while let Some(evt) = src.next_event(&mut insp).expect("memory source") {
            insp.process(&evt);
            if evt.kind == ids::EXECVE_19_X {
                let ctx = SyscallEvent::new(&evt, &insp, "");
                last = Some(rule.condition.eval(&ctx, &mut scratch));
            }
        }
        assert_eq!(last, Some(want), "{cond}");
    }
}
