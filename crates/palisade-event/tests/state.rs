//! The state machine on synthetic event streams: process tree, exec, fds, sockets, containers.

use palisade_event::state::FdKind;
use palisade_event::table::ids;
use palisade_event::{
    EventBuilder, EventSource, Inspector, MemorySource, OwnedEvent, StateRecord, ThreadInfo,
    UserInfo,
};

const CID: &str = "697956520d89a7a0c94f8b0a9ce61a39c2f4d0c2a3a6a5b8d0b6a5e0b1f2c3d4";

fn thread(tid: i64, ptid: i64, comm: &str) -> StateRecord {
    let mut t = ThreadInfo::new(tid);
    t.ptid = ptid;
    t.comm = comm.into();
    t.exe = comm.into();
    t.cwd = "/root/".into();
    StateRecord::Thread(Box::new(t))
}

fn clone_x(tid: i64, res: i64, pid: i64, ptid: i64, cgroups: &[&str]) -> OwnedEvent {
    EventBuilder::new(ids::CLONE_20_X)
        .tid(tid)
        .i64(res)
        .str("/bin/bash")
        .list(&[])
        .i64(tid)
        .i64(pid)
        .i64(ptid)
        .str("/root")
        .i64(1024)
        .u64(0)
        .u64(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .str("bash")
        .list(cgroups)
        .u32(0)
        .u32(0)
        .u32(0)
        .i64(tid)
        .i64(pid)
        .build()
}

fn execve_x(
    tid: i64,
    pid: i64,
    ptid: i64,
    exe: &str,
    args: &[&str],
    comm: &str,
    cgroups: &[&str],
) -> OwnedEvent {
    EventBuilder::new(ids::EXECVE_19_X)
        .tid(tid)
        .i64(0)
        .str(exe)
        .list(args)
        .i64(tid)
        .i64(pid)
        .i64(ptid)
        .str("/tmp")
        .u64(1024)
        .u64(0)
        .u64(0)
        .u32(0)
        .u32(0)
        .u32(0)
        .str(comm)
        .list(cgroups)
        .list(&["PATH=/usr/bin", "HOME=/root"])
        .i32(34816)
        .i64(pid)
        .i32(1000)
        .u32(0)
        .build()
}

fn openat(tid: i64, fd: i64, name: &str, flags: u32) -> [OwnedEvent; 2] {
    [
        EventBuilder::new(ids::OPENAT_2_E)
            .tid(tid)
            .i64(-100)
            .str(name)
            .u32(flags)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(tid)
            .i64(fd)
            .i64(-100)
            .str(name)
            .u32(flags)
            .u32(0)
            .u32(0)
            .build(),
    ]
}

/// Runs `events` and calls `check(num, state)` after each.
fn run(
    state: Vec<StateRecord>,
    events: Vec<OwnedEvent>,
    mut check: impl FnMut(u64, &Inspector),
) -> Inspector {
    let mut src = MemorySource::new(events).with_state(state);
    let mut insp = Inspector::new();
    while let Some(e) = src.next_event(&mut insp).expect("infallible") {
        insp.process(&e);
        check(e.num, &insp);
    }
    insp
}

#[test]
fn fork_exec_builds_the_process_tree() {
    let cg = format!("cpu=/docker/{CID}");
    let mut events = vec![
        EventBuilder::new(ids::CLONE_20_X - 1).tid(100).build(),
        clone_x(100, 200, 100, 1, &[]),
        clone_x(200, 0, 200, 100, &[cg.as_str()]),
        EventBuilder::new(ids::EXECVE_19_E)
            .tid(200)
            .str("/usr/bin/cat")
            .build(),
        execve_x(
            200,
            200,
            100,
            "cat",
            &["/etc/passwd"],
            "cat",
            &[cg.as_str()],
        ),
    ];
    events.extend(openat(200, 3, "notes.txt", 1));
    let state = vec![
        thread(1, 0, "systemd"),
        thread(100, 1, "bash"),
        StateRecord::User(UserInfo {
            uid: 0,
            gid: 0,
            name: "root".into(),
            home: "/root".into(),
            shell: "/bin/bash".into(),
            container_id: String::new(),
        }),
    ];
    let insp = run(state, events, |_, _| {});
    let t = insp.thread(200).expect("child exists");
    assert_eq!(&*t.comm, "cat");
    assert_eq!(&*t.exe, "cat");
    assert_eq!(&*t.exepath, "/usr/bin/cat");
    assert_eq!(&t.args[..], ["/etc/passwd"]);
    assert_eq!(t.cmdline(), "cat /etc/passwd");
    assert_eq!(&*t.cwd, "/tmp/");
    assert_eq!(t.pid, 200);
    assert_eq!(t.ptid, 100);
    assert_eq!(t.tty, 34816);
    assert_eq!(t.loginuid, 1000);
    assert_eq!(t.env_var("HOME"), Some("/root"));
    assert_eq!(t.container_id, "697956520d89");
    let names: Vec<&str> = insp.ancestors(200).map(|a| &*a.comm).collect();
    assert_eq!(names, ["bash", "systemd"]);
    assert_eq!(insp.user(t.uid).map(|u| u.name.as_str()), Some("root"));
    let (fd, info) = insp.event_fd().expect("open exit has an fd");
    assert_eq!(fd, 3);
    let info = info.expect("fd known");
    assert_eq!(info.name, "/tmp/notes.txt");
    assert_eq!(info.kind, FdKind::File);
}

#[test]
fn closed_fds_and_exited_threads_disappear_after_their_event() {
    let mut events = Vec::new();
    events.extend(openat(7, 4, "/etc/shadow", 1));
    events.push(EventBuilder::new(ids::CLOSE_E).tid(7).i64(4).build());
    events.push(EventBuilder::new(ids::CLOSE_X).tid(7).i64(0).build());
    events.push(
        EventBuilder::new(ids::PROCEXIT_1_E)
            .tid(7)
            .i64(0)
            .i64(0)
            .u8(0)
            .u8(0)
            .build(),
    );
    events.push(
        EventBuilder::new(ids::OPEN_E)
            .tid(8)
            .str("/x")
            .u32(1)
            .u32(0)
            .build(),
    );
    let mut seen = Vec::new();
    run(vec![thread(7, 1, "sh")], events, |num, insp| {
        seen.push((
            num,
            insp.event_fd().and_then(|(_, f)| f).map(|f| f.name.clone()),
            insp.fd(7, 4).is_some(),
            insp.thread(7).is_some(),
        ));
    });
    assert_eq!(
        seen,
        [
            (1, None, false, true),
            (2, Some("/etc/shadow".to_owned()), true, true),
            (3, Some("/etc/shadow".to_owned()), true, true),
            (4, Some("/etc/shadow".to_owned()), true, true),
            (5, None, false, true),
            (6, None, false, false),
        ]
    );
}

#[test]
fn failed_open_names_the_file_and_cloexec_fds_close_on_exec() {
    let mut events = Vec::new();
    events.extend(openat(9, -13, "/root/secret", 1));
    events.extend(openat(9, 5, "/lib/libc.so", 1 | (1 << 12)));
    events.extend(openat(9, 6, "/var/log/app.log", 2));
    events.push(
        EventBuilder::new(ids::EXECVE_19_E)
            .tid(9)
            .str("/bin/true")
            .build(),
    );
    events.push(execve_x(9, 9, 1, "true", &[], "true", &[]));
    let mut failed = None;
    let insp = run(vec![thread(9, 1, "app")], events, |num, insp| {
        if num == 2 {
            failed = insp
                .event_fd()
                .map(|(fd, f)| (fd, f.map(|f| f.name.clone())));
        }
    });
    assert_eq!(failed, Some((-13, Some("/root/secret".to_owned()))));
    assert!(insp.fd(9, -13).is_none());
    assert!(insp.fd(9, 5).is_none(), "O_CLOEXEC fd survives exec");
    assert_eq!(
        insp.fd(9, 6).map(|f| f.name.as_str()),
        Some("/var/log/app.log")
    );
}

#[test]
fn sockets_take_their_tuple_from_connect() {
    let mut tuple = vec![2u8];
    tuple.extend([10, 0, 0, 5]);
    tuple.extend(40000u16.to_le_bytes());
    tuple.extend([93, 184, 216, 34]);
    tuple.extend(443u16.to_le_bytes());
    let events = vec![
        EventBuilder::new(ids::SOCKET_E)
            .tid(3)
            .u32(2)
            .u32(1)
            .u32(6)
            .build(),
        EventBuilder::new(ids::SOCKET_X).tid(3).i64(5).build(),
        EventBuilder::new(ids::CONNECT_E)
            .tid(3)
            .i64(5)
            .raw(&[])
            .build(),
        EventBuilder::new(ids::CONNECT_X)
            .tid(3)
            .i64(-115)
            .raw(&tuple)
            .build(),
    ];
    let insp = run(vec![thread(3, 1, "curl")], events, |_, _| {});
    let fd = insp.fd(3, 5).expect("socket");
    assert_eq!(fd.kind, FdKind::Ipv4Socket);
    assert_eq!(fd.name, "10.0.0.5:40000->93.184.216.34:443");
    assert_eq!(fd.net.sport, 443);
    assert_eq!(fd.net.cport, 40000);
    assert_eq!(
        fd.net.sip.map(|a| a.to_string()).as_deref(),
        Some("93.184.216.34")
    );
    assert_eq!(fd.net.l4proto.name(), "tcp");
}

#[test]
fn container_events_describe_containers() {
    let json = format!(
        r#"{{"container":{{"id":"{id}","image":"nginx:1.25","imagerepo":"nginx","imagetag":"1.25","name":"web","privileged":true,"type":0,"Mounts":[{{"Source":"/etc","Destination":"/host/etc","Mode":"ro","RW":false,"Propagation":"rprivate"}}],"labels":{{"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"prod"}}}}}}"#,
        id = &CID[..12]
    );
    let cg = format!("cpu=/docker/{CID}");
    let events = vec![
        EventBuilder::new(ids::CONTAINER_JSON_E)
            .tid(-1)
            .str(&json)
            .build(),
        clone_x(50, 0, 50, 1, &[cg.as_str()]),
    ];
    let insp = run(vec![thread(1, 0, "init")], events, |_, _| {});
    let c = insp.thread_container(50).expect("container");
    assert_eq!(c.name, "web");
    assert_eq!(c.image_repository, "nginx");
    assert_eq!(c.image_tag, "1.25");
    assert_eq!(c.privileged, Some(true));
    assert_eq!(c.mounts[0].dest, "/host/etc");
    assert_eq!(c.k8s_pod_name, "web-0");
    assert_eq!(c.k8s_namespace, "prod");
}

#[test]
fn ancestor_loops_terminate() {
    let state = vec![thread(10, 11, "a"), thread(11, 10, "b")];
    let insp = run(state, vec![], |_, _| {});
    assert!(insp.ancestors(10).count() <= 256);
}

#[test]
fn dup_family_copies_fds_and_user_events_update_users() {
    let mut events = Vec::new();
    events.extend(openat(4, 3, "/tmp/out.log", 2 | (1 << 12)));
    events.push(EventBuilder::new(ids::DUP2_X - 1).tid(4).i64(3).build());
    events.push(
        EventBuilder::new(ids::DUP2_X)
            .tid(4)
            .i64(1)
            .i64(3)
            .i64(1)
            .build(),
    );
    events.push(
        EventBuilder::new(ids::USER_ADDED_E)
            .tid(4)
            .u32(1001)
            .u32(1001)
            .str("eve")
            .str("/home/eve")
            .str("/bin/sh")
            .str("")
            .build(),
    );
    let insp = run(vec![thread(4, 1, "sh")], events, |_, _| {});
    let fd = insp.fd(4, 1).expect("dup2 target");
    assert_eq!(fd.name, "/tmp/out.log");
    assert_eq!(fd.open_flags & (1 << 12), 0, "dup2 clears close-on-exec");
    assert_eq!(insp.user(1001).map(|u| u.name.as_str()), Some("eve"));
}

#[test]
fn newer_driver_fd_events_create_fds() {
    let mut tuple = vec![2u8];
    tuple.extend([10, 0, 0, 9]);
    tuple.extend(51000u16.to_le_bytes());
    tuple.extend([10, 0, 0, 1]);
    tuple.extend(80u16.to_le_bytes());
    let mut pipe2 = EventBuilder::new(ids::PIPE2_X).tid(7).i64(0).i64(8).i64(9);
    pipe2 = pipe2.u64(4242).u32(0);
    let events = vec![
        EventBuilder::new(ids::ACCEPT4_6_X - 1)
            .tid(7)
            .i32(0)
            .build(),
        EventBuilder::new(ids::ACCEPT4_6_X)
            .tid(7)
            .i64(6)
            .raw(&tuple)
            .u8(0)
            .u32(0)
            .u32(128)
            .build(),
        EventBuilder::new(ids::PIPE2_X - 1).tid(7).build(),
        pipe2.build(),
        EventBuilder::new(ids::EPOLL_CREATE1_X - 1)
            .tid(7)
            .u32(0)
            .build(),
        EventBuilder::new(ids::EPOLL_CREATE1_X)
            .tid(7)
            .i64(10)
            .build(),
    ];
    let insp = run(vec![thread(7, 1, "nginx")], events, |_, _| {});
    let sock = insp.fd(7, 6).expect("accept4 fd");
    assert_eq!(sock.kind, FdKind::Ipv4Socket);
    assert_eq!(sock.net.sport, 80);
    assert_eq!(insp.fd(7, 8).expect("pipe2 fd1").kind, FdKind::Pipe);
    assert_eq!(insp.fd(7, 9).expect("pipe2 fd2").ino, 4242);
    assert_eq!(insp.fd(7, 10).expect("epoll fd").kind, FdKind::EventPoll);
}

/// sysdig gives an exit event on an fd missing from the table (here stdout, inherited before
/// the capture began) fd fields of an unknown-type fd with an empty name; its enter event has
/// `fd.num` only. An exit whose enter named no fd is about fd -1.
#[test]
fn exits_on_fds_missing_from_the_table_have_an_unnamed_unknown_fd() {
    const WRITE_E: u16 = 8;
    const SETSOCKOPT_E: u16 = 44;
    let events = vec![
        EventBuilder::new(WRITE_E).tid(5).i64(1).u32(3).build(),
        EventBuilder::new(WRITE_E + 1)
            .tid(5)
            .i64(3)
            .raw(b"hi\n")
            .build(),
        EventBuilder::new(SETSOCKOPT_E).tid(5).build(),
        EventBuilder::new(SETSOCKOPT_E + 1).tid(5).build(),
    ];
    let mut seen = Vec::new();
    run(vec![thread(5, 1, "curl")], events, |_, insp| {
        let fd = insp
            .event_fd()
            .map(|(n, i)| (n, i.map(|i| (i.kind.typechar(), i.name.clone()))));
        seen.push(fd);
    });
    let unknown = Some(('o', String::new()));
    assert_eq!(
        seen,
        vec![
            Some((1, None)),
            Some((1, unknown.clone())),
            None,
            Some((-1, unknown)),
        ]
    );
}

#[test]
fn issue_14_enter_events_kept_for_their_exits_are_bounded_over_all_threads() {
    // Threads that enter a system call and never leave it: each keeps its enter event for the
    // exit, and together they keep at most the budget; the rest are counted as dropped.
    let limits = palisade_event::state::Limits {
        max_kept_enter_bytes: 4096,
        ..Default::default()
    };
    let mut insp = Inspector::with_limits(limits);
    let name = "/etc/".to_owned() + &"x".repeat(200);
    let events: Vec<OwnedEvent> = (0..200)
        .map(|tid| {
            EventBuilder::new(ids::OPENAT_2_E)
                .tid(1000 + tid)
                .i64(-100)
                .str(&name)
                .u32(0)
                .u32(0)
                .build()
        })
        .collect();
    let mut src = MemorySource::new(events);
    while let Some(e) = src.next_event(&mut insp).expect("infallible") {
        insp.process(&e);
    }
    assert_eq!(insp.threads().count(), 200);
    let dropped = insp.stats().dropped_by_limits;
    assert!(dropped > 150, "only {dropped} dropped");
    assert!(dropped < 200, "none kept");
}
