//! The field table: every field a condition or output can name, with its type, argument and
//! description. `palisade rules fields` prints it; a snapshot test pins it.

use std::fmt::Write as _;

use serde::Serialize;

/// The type of a field's values, which decides the operators it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FieldType {
    /// Text (compared byte-wise).
    Str,
    /// A signed or unsigned integer (times are nanoseconds).
    Num,
    Bool,
    /// An IPv4 or IPv6 address; compares with addresses or `a.b.c.d/len` networks.
    Ip,
    /// A network (compared with `=` against an address or network).
    Net,
    /// An event argument: compared as a number when both sides are numbers, else as text.
    Dyn,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Str => "string",
            FieldType::Num => "number",
            FieldType::Bool => "bool",
            FieldType::Ip => "ipaddr",
            FieldType::Net => "ipnet",
            FieldType::Dyn => "argument",
        }
    }
}

/// What a field accepts after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ArgSpec {
    None,
    /// `[N]`, a non-negative index, required.
    Index,
    /// `[N]`, optional.
    OptIndex,
    /// `[KEY]` or `.KEY`, required (e.g. `evt.arg.flags`, `evt.arg[0]`).
    Key,
    /// `[KEY]`, optional.
    OptKey,
}

/// Which events a field applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FieldSource {
    Syscall,
    K8sAudit,
    /// Both (e.g. `evt.time`).
    Any,
}

macro_rules! fields {
    ($($id:ident $name:literal $ty:ident $arg:ident $src:ident $desc:literal;)*) => {
        /// A field, resolved at compile time; extraction matches on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[allow(clippy::enum_variant_names, reason = "names mirror the field names")]
        pub enum FieldId { $($id,)* }

        /// Every field, in the order of the documentation table.
        pub const FIELDS: &[FieldInfo] = &[
            $(FieldInfo {
                id: FieldId::$id,
                name: $name,
                ty: FieldType::$ty,
                arg: ArgSpec::$arg,
                source: FieldSource::$src,
                desc: $desc,
            },)*
        ];
    };
}

/// One row of the field table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldInfo {
    pub id: FieldId,
    pub name: &'static str,
    pub ty: FieldType,
    pub arg: ArgSpec,
    pub source: FieldSource,
    pub desc: &'static str,
}

fields! {
    EvtNum "evt.num" Num None Any "the event number in the capture, from 1";
    EvtTime "evt.time" Str None Any "the event time as HH:MM:SS.nnnnnnnnn (UTC)";
    EvtRawTime "evt.rawtime" Num None Any "the event time in nanoseconds since the epoch";
    EvtDatetime "evt.datetime" Str None Any "the event time as YYYY-MM-DD HH:MM:SS.nnnnnnnnn (UTC)";
    EvtType "evt.type" Str None Any "the event type (syscall name, e.g. openat)";
    EvtDir "evt.dir" Str None Syscall "the direction: > for enter events, < for exit events";
    EvtCpu "evt.cpu" Num None Syscall "the CPU the event happened on";
    EvtRes "evt.res" Str None Syscall "the result: SUCCESS, or the error name (ENOENT) of a failed call";
    EvtRawRes "evt.rawres" Num None Syscall "the result as a number (negative errno on failure)";
    EvtFailed "evt.failed" Bool None Syscall "true for exit events whose result is an error";
    EvtArg "evt.arg" Dyn Key Syscall "an argument by name (evt.arg.flags) or position (evt.arg[0]), as text";
    EvtRawArg "evt.rawarg" Dyn Key Syscall "an argument by name, as its raw value (numbers stay numbers)";
    EvtArgs "evt.args" Str None Syscall "all arguments as name=value text";
    EvtIsOpenRead "evt.is_open_read" Bool None Syscall "true for open-family exits that opened for reading";
    EvtIsOpenWrite "evt.is_open_write" Bool None Syscall "true for open-family exits that opened for writing";
    EvtIsOpenExec "evt.is_open_exec" Bool None Syscall "true for open-family exits that created an executable file";
    EvtBuffer "evt.buffer" Str None Syscall "the data buffer of read/write-family events";
    EvtHostname "evt.hostname" Str None Any "the host name of the machine the events come from";
    EvtSource "evt.source" Str None Any "the event source: syscall or k8s_audit";
    ProcName "proc.name" Str None Syscall "the process name (comm, or the executable's base name)";
    ProcExe "proc.exe" Str None Syscall "the first command-line argument (argv[0])";
    ProcExepath "proc.exepath" Str None Syscall "the full path of the executable";
    ProcPexe "proc.pexe" Str None Syscall "proc.exe of the parent";
    ProcPexepath "proc.pexepath" Str None Syscall "proc.exepath of the parent";
    ProcAexe "proc.aexe" Str OptIndex Syscall "proc.exe of the N-th ancestor (1 = parent); without N, any ancestor";
    ProcAexepath "proc.aexepath" Str OptIndex Syscall "proc.exepath of the N-th ancestor; without N, any ancestor";
    ProcCmdline "proc.cmdline" Str None Syscall "the name and arguments, space-separated";
    ProcPcmdline "proc.pcmdline" Str None Syscall "proc.cmdline of the parent";
    ProcArgs "proc.args" Str None Syscall "the arguments (without argv[0]), space-separated";
    ProcPid "proc.pid" Num None Syscall "the process id";
    ProcPpid "proc.ppid" Num None Syscall "the parent's process id";
    ProcPname "proc.pname" Str None Syscall "the parent's name";
    ProcAname "proc.aname" Str OptIndex Syscall "the N-th ancestor's name (0 = self, 1 = parent); without N, any ancestor";
    ProcApid "proc.apid" Num OptIndex Syscall "the N-th ancestor's pid; without N, any ancestor";
    ProcTty "proc.tty" Num None Syscall "the controlling terminal, 0 if none";
    ProcCwd "proc.cwd" Str None Syscall "the current working directory";
    ProcSid "proc.sid" Num None Syscall "the session id";
    ProcSname "proc.sname" Str None Syscall "the name of the session leader";
    ProcVpid "proc.vpid" Num None Syscall "the process id inside its pid namespace";
    ProcVpgid "proc.vpgid" Num None Syscall "the process group id inside its pid namespace";
    ProcVpgidName "proc.vpgid.name" Str None Syscall "the name of the process group leader";
    ProcVpgidExe "proc.vpgid.exe" Str None Syscall "proc.exe of the process group leader";
    ProcIsVpgidLeader "proc.is_vpgid_leader" Bool None Syscall "true if the process leads its process group";
    ProcEnv "proc.env" Str OptKey Syscall "the environment (NAME=value, space-separated), or one variable's value";
    ProcDuration "proc.duration" Num None Syscall "nanoseconds since the process started";
    ProcPpidDuration "proc.ppid.duration" Num None Syscall "nanoseconds since the parent started";
    ProcIsExeUpperLayer "proc.is_exe_upper_layer" Bool None Syscall "true if the executable is in a container's writable layer";
    ProcIsExeFromMemfd "proc.is_exe_from_memfd" Bool None Syscall "true if the executable is a memfd";
    ProcExeIno "proc.exe_ino" Num None Syscall "the inode number of the executable";
    ProcExeInoMtime "proc.exe_ino.mtime" Num None Syscall "the executable's modification time";
    ProcExeInoCtime "proc.exe_ino.ctime" Num None Syscall "the executable's change time";
    ProcExeInoCtimeDurationProcStart "proc.exe_ino.ctime_duration_proc_start" Num None Syscall "nanoseconds between the executable's change time and the process start";
    ThreadTid "thread.tid" Num None Syscall "the thread id";
    ThreadVtid "thread.vtid" Num None Syscall "the thread id inside its pid namespace";
    ThreadCapPermitted "thread.cap_permitted" Str None Syscall "the permitted capabilities (CAP_X CAP_Y)";
    ThreadCapEffective "thread.cap_effective" Str None Syscall "the effective capabilities";
    ThreadCapInheritable "thread.cap_inheritable" Str None Syscall "the inheritable capabilities";
    UserUid "user.uid" Num None Syscall "the user id";
    UserName "user.name" Str None Syscall "the user name";
    UserHomedir "user.homedir" Str None Syscall "the user's home directory";
    UserShell "user.shell" Str None Syscall "the user's shell";
    UserLoginuid "user.loginuid" Num None Syscall "the audit login user id (-1 if none)";
    UserLoginname "user.loginname" Str None Syscall "the audit login user name";
    GroupGid "group.gid" Num None Syscall "the group id";
    GroupName "group.name" Str None Syscall "the group name";
    FdNum "fd.num" Num None Syscall "the file descriptor number";
    FdType "fd.type" Str None Syscall "file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink, memfd";
    FdTypechar "fd.typechar" Str None Syscall "the type as one letter: f 4 6 u p e s l i t n m";
    FdTypes "fd.types" Str OptIndex Syscall "the types of the event's file descriptors (any, or the N-th)";
    FdName "fd.name" Str None Syscall "the file path, or the connection tuple (cip:cport->sip:sport)";
    FdNameraw "fd.nameraw" Str None Syscall "the file name as the process passed it";
    FdDirectory "fd.directory" Str None Syscall "the directory of a file";
    FdFilename "fd.filename" Str None Syscall "the base name of a file";
    FdNameChanged "fd.name_changed" Bool None Syscall "true if the event changed the descriptor's name";
    FdIp "fd.ip" Ip None Syscall "either end's address (matches if either does)";
    FdCip "fd.cip" Ip None Syscall "the client address";
    FdSip "fd.sip" Ip None Syscall "the server address";
    FdLip "fd.lip" Ip None Syscall "the local address";
    FdRip "fd.rip" Ip None Syscall "the remote address";
    FdCipName "fd.cip.name" Str None Syscall "the client's domain name, if known";
    FdSipName "fd.sip.name" Str None Syscall "the server's domain name, if known";
    FdLipName "fd.lip.name" Str None Syscall "the local domain name, if known";
    FdRipName "fd.rip.name" Str None Syscall "the remote domain name, if known";
    FdPort "fd.port" Num None Syscall "either end's port (matches if either does)";
    FdCport "fd.cport" Num None Syscall "the client port";
    FdSport "fd.sport" Num None Syscall "the server port";
    FdLport "fd.lport" Num None Syscall "the local port";
    FdRport "fd.rport" Num None Syscall "the remote port";
    FdL4proto "fd.l4proto" Str None Syscall "tcp, udp, icmp or raw";
    FdSockfamily "fd.sockfamily" Str None Syscall "ip for IPv4/IPv6 sockets, unix for unix sockets";
    FdIsServer "fd.is_server" Bool None Syscall "true if the process is the server end";
    FdConnected "fd.connected" Bool None Syscall "true if the socket is connected";
    FdNet "fd.net" Net None Syscall "either end's address, compared against a network";
    FdCnet "fd.cnet" Net None Syscall "the client address, compared against a network";
    FdSnet "fd.snet" Net None Syscall "the server address, compared against a network";
    FdLnet "fd.lnet" Net None Syscall "the local address, compared against a network";
    FdRnet "fd.rnet" Net None Syscall "the remote address, compared against a network";
    ContainerId "container.id" Str None Syscall "the container id (12 hex digits), or host";
    ContainerName "container.name" Str None Syscall "the container name, or host";
    ContainerImage "container.image" Str None Syscall "the image as the container was started from it";
    ContainerImageId "container.image.id" Str None Syscall "the image id";
    ContainerImageRepository "container.image.repository" Str None Syscall "the image repository (without tag or digest)";
    ContainerImageTag "container.image.tag" Str None Syscall "the image tag";
    ContainerType "container.type" Str None Syscall "the container runtime: docker, containerd, cri-o, podman, ...";
    ContainerPrivileged "container.privileged" Bool None Syscall "true for privileged containers";
    ContainerMounts "container.mounts" Str None Syscall "the mounts as source:dest:mode:rdrw:propagation, comma-separated";
    ContainerMountDest "container.mount.dest" Str Key Syscall "the destination of the mount whose source matches the glob KEY";
    ContainerStartTs "container.start_ts" Num None Syscall "the container's start time in nanoseconds";
    K8sNsName "k8s.ns.name" Str None Syscall "the Kubernetes namespace of the pod";
    K8sPodName "k8s.pod.name" Str None Syscall "the Kubernetes pod name";
    K8sPodUid "k8s.pod.uid" Str None Syscall "the Kubernetes pod uid";
    K8sPodLabels "k8s.pod.labels" Str None Syscall "the pod labels as key:value, comma-separated";
    K8sPodLabel "k8s.pod.label" Str Key Syscall "the value of one pod label";
    KaAuditid "ka.auditid" Str None K8sAudit "the audit event id";
    KaStage "ka.stage" Str None K8sAudit "the audit stage (ResponseComplete, ...)";
    KaAuthDecision "ka.auth.decision" Str None K8sAudit "the authorization decision (allow, forbid)";
    KaAuthReason "ka.auth.reason" Str None K8sAudit "the authorization reason";
    KaUserName "ka.user.name" Str None K8sAudit "the user name";
    KaUserGroups "ka.user.groups" Str None K8sAudit "the user's groups (a list)";
    KaImpuserName "ka.impuser.name" Str None K8sAudit "the impersonated user name";
    KaVerb "ka.verb" Str None K8sAudit "the action (get, create, delete, ...)";
    KaUri "ka.uri" Str None K8sAudit "the request URI";
    KaUriParam "ka.uri.param" Str Key K8sAudit "one query parameter of the request URI";
    KaTargetName "ka.target.name" Str None K8sAudit "the target object's name";
    KaTargetNamespace "ka.target.namespace" Str None K8sAudit "the target object's namespace";
    KaTargetResource "ka.target.resource" Str None K8sAudit "the target resource (pods, configmaps, ...)";
    KaTargetSubresource "ka.target.subresource" Str None K8sAudit "the target subresource (exec, attach, ...)";
    KaReqBindingSubjects "ka.req.binding.subjects" Str None K8sAudit "the subjects of a role binding (a list)";
    KaReqBindingRole "ka.req.binding.role" Str None K8sAudit "the role of a role binding";
    KaReqBindingSubjectHasName "ka.req.binding.subject.has_name" Bool Key K8sAudit "true if a binding subject has the name KEY";
    KaReqConfigmapName "ka.req.configmap.name" Str None K8sAudit "the name of a configmap in the request";
    KaReqConfigmapObj "ka.req.configmap.obj" Str None K8sAudit "the configmap's data as JSON";
    KaReqPodContainersImage "ka.req.pod.containers.image" Str OptIndex K8sAudit "the images of the pod's containers (a list, or the N-th)";
    KaReqPodContainersImageRepository "ka.req.pod.containers.image.repository" Str OptIndex K8sAudit "the repositories of the pod's container images (a list, or the N-th)";
    KaReqPodContainersPrivileged "ka.req.pod.containers.privileged" Bool OptIndex K8sAudit "whether the pod's containers are privileged (a list, or the N-th)";
    KaReqPodContainersHostPort "ka.req.pod.containers.host_port" Num OptIndex K8sAudit "the host ports of the pod's containers (a list, or the N-th)";
    KaReqPodContainersAddCapabilities "ka.req.pod.containers.add_capabilities" Str OptIndex K8sAudit "the capabilities the pod's containers add (a list, or the N-th)";
    KaReqPodHostIpc "ka.req.pod.host_ipc" Bool None K8sAudit "the pod's hostIPC";
    KaReqPodHostNetwork "ka.req.pod.host_network" Bool None K8sAudit "the pod's hostNetwork";
    KaReqPodHostPid "ka.req.pod.host_pid" Bool None K8sAudit "the pod's hostPID";
    KaReqPodRunAsUser "ka.req.pod.run_as_user" Num None K8sAudit "the pod's securityContext.runAsUser";
    KaReqPodVolumesHostpath "ka.req.pod.volumes.hostpath" Str OptIndex K8sAudit "the hostPath volumes' paths (a list, or the N-th)";
    KaReqServiceType "ka.req.service.type" Str None K8sAudit "the type of a service in the request";
    KaReqServicePorts "ka.req.service.ports" Str None K8sAudit "the ports of a service in the request (a list)";
    KaReqRoleRulesVerbs "ka.req.role.rules.verbs" Str None K8sAudit "the verbs of a role's rules (a list)";
    KaReqRoleRulesResources "ka.req.role.rules.resources" Str None K8sAudit "the resources of a role's rules (a list)";
    KaRespName "ka.resp.name" Str None K8sAudit "the name of the object in the response";
    KaResponseCode "ka.response.code" Num None K8sAudit "the response status code";
    KaResponseReason "ka.response.reason" Str None K8sAudit "the response status reason";
    KaUseragent "ka.useragent" Str None K8sAudit "the client's user agent";
    KaSourceips "ka.sourceips" Str None K8sAudit "the client addresses (a list)";
}

/// How a field appears in a condition, resolved against the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    None,
    Index(u32),
    Key(String),
}

/// Whether `id` without an index yields a list of values (Falco's list fields): `in` and
/// `pmatch` then need every value to match, `intersects` and the other operators any.
pub fn is_list(id: FieldId, arg: &FieldArg) -> bool {
    use FieldId::*;
    matches!(arg, FieldArg::None)
        && matches!(
            id,
            KaUserGroups
                | KaReqBindingSubjects
                | KaReqPodContainersImage
                | KaReqPodContainersImageRepository
                | KaReqPodContainersPrivileged
                | KaReqPodContainersHostPort
                | KaReqPodContainersAddCapabilities
                | KaReqPodVolumesHostpath
                | KaReqServicePorts
                | KaReqRoleRulesVerbs
                | KaReqRoleRulesResources
                | KaSourceips
        )
}

/// Why a field name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("unknown field `{0}`")]
    Unknown(String),
    #[error("field `{0}` needs an argument, as in `{0}[...]`")]
    MissingArg(String),
    #[error("field `{0}` takes no argument")]
    UnexpectedArg(String),
    #[error("field `{0}` needs a numeric index, found `{1}`")]
    BadIndex(String, String),
}

/// Looks a field up by name and argument (`proc.aname` + `2`, or `evt.arg.flags` + none).
pub fn resolve(
    name: &str,
    arg: Option<&str>,
) -> Result<(&'static FieldInfo, FieldArg), FieldError> {
    let info = match FIELDS.iter().find(|f| f.name == name) {
        Some(i) => i,
        None => {
            // `evt.arg.flags`, `ka.uri.param.x`: the argument written after a dot.
            let dotted = FIELDS.iter().find(|f| {
                matches!(f.arg, ArgSpec::Key | ArgSpec::OptKey)
                    && name.len() > f.name.len() + 1
                    && name.starts_with(f.name)
                    && name.as_bytes().get(f.name.len()) == Some(&b'.')
            });
            match (dotted, arg) {
                (Some(f), None) => {
                    let key = name.get(f.name.len() + 1..).unwrap_or("").to_string();
                    return Ok((f, FieldArg::Key(key)));
                }
                _ => return Err(FieldError::Unknown(name.to_string())),
            }
        }
    };
    let resolved = match (info.arg, arg) {
        (ArgSpec::None, None) => FieldArg::None,
        (ArgSpec::None, Some(_)) => return Err(FieldError::UnexpectedArg(name.to_string())),
        (ArgSpec::Index | ArgSpec::Key, None) => {
            return Err(FieldError::MissingArg(name.to_string()));
        }
        (ArgSpec::OptIndex | ArgSpec::OptKey, None) => FieldArg::None,
        (ArgSpec::Index | ArgSpec::OptIndex, Some(a)) => match a.trim().parse::<u32>() {
            Ok(n) => FieldArg::Index(n),
            Err(_) => return Err(FieldError::BadIndex(name.to_string(), a.to_string())),
        },
        (ArgSpec::Key | ArgSpec::OptKey, Some(a)) => FieldArg::Key(a.to_string()),
    };
    Ok((info, resolved))
}

/// The field table as Markdown (the documentation, generated from the code).
pub fn markdown_table() -> String {
    let mut out =
        String::from("| field | type | argument | source | description |\n|---|---|---|---|---|\n");
    for f in FIELDS {
        let arg = match f.arg {
            ArgSpec::None => "",
            ArgSpec::Index => "[N]",
            ArgSpec::OptIndex => "[N] optional",
            ArgSpec::Key => "[KEY] or .KEY",
            ArgSpec::OptKey => "[KEY] optional",
        };
        let src = match f.source {
            FieldSource::Syscall => "syscall",
            FieldSource::K8sAudit => "k8s_audit",
            FieldSource::Any => "any",
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            f.name,
            f.ty.name(),
            arg,
            src,
            f.desc
        );
    }
    out.push_str(
        "\nA field described as a list, used without an index, has several values: `in` and \
         `pmatch` match when every value does (as in Falco), `intersects` and the other \
         operators when one does. A list with no value matches nothing.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_arguments() {
        assert_eq!(
            resolve("proc.aname", Some("2")).map(|r| r.1),
            Ok(FieldArg::Index(2))
        );
        assert_eq!(
            resolve("evt.arg.flags", None).map(|r| (r.0.id, r.1)),
            Ok((FieldId::EvtArg, FieldArg::Key("flags".into())))
        );
        assert_eq!(
            resolve("evt.arg", Some("0")).map(|r| r.1),
            Ok(FieldArg::Key("0".into()))
        );
        assert!(matches!(
            resolve("proc.nope", None),
            Err(FieldError::Unknown(_))
        ));
        assert!(matches!(
            resolve("proc.name", Some("1")),
            Err(FieldError::UnexpectedArg(_))
        ));
        assert!(matches!(
            resolve("proc.aname", Some("x")),
            Err(FieldError::BadIndex(..))
        ));
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn field_table_snapshot() {
        insta::assert_snapshot!(markdown_table());
    }
}
