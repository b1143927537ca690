//! K8S-005: hostPath volumes on sensitive host paths.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-005",
    name: "sensitive-host-path",
    severity: Severity::High,
    summary: "hostPath volume exposes a sensitive host path",
    target: Target::Workload,
    docs: Docs {
        what: "Flags hostPath volumes whose path is the host's root, a system directory (`/etc`, `/proc`, `/sys`, `/boot`, `/root`, `/dev`, kubelet and runtime state) or a container runtime socket (docker, containerd, CRI-O, cri-dockerd).",
        why: "These mounts hand the container the host: a runtime socket starts privileged containers, `/etc` and `/root` hold credentials, `/proc` and `/sys` reach the kernel.",
        example: "volumes:\n- name: sock\n  hostPath: {path: /var/run/docker.sock}\n",
        fix: "Remove the mount; use the API, a CSI driver or a narrower path instead.",
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    controls: Controls {
        cis: &["5.2.12"],
        nist: &["4.4.3", "4.5.5"],
        pci: &["2.2.6"],
    },
    check,
};

const DIRECTORIES: [&str; 11] = [
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/dev",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run",
    "/run",
];

const SOCKETS: [&str; 4] = [
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
];

/// Why a host path is sensitive, if it is.
pub(crate) fn sensitivity(path: &str) -> Option<&'static str> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Some("the host's root filesystem");
    }
    if let Some(sock) = SOCKETS.iter().find(|s| trimmed.ends_with(&format!("/{s}"))) {
        return Some(match *sock {
            "docker.sock" => "the Docker socket",
            "containerd.sock" => "the containerd socket",
            "crio.sock" => "the CRI-O socket",
            _ => "the cri-dockerd socket",
        });
    }
    DIRECTORIES
        .iter()
        .find(|d| {
            trimmed == **d
                || (trimmed.starts_with(**d)
                    && trimmed.as_bytes().get(d.len()) == Some(&b'/')
                    && !matches!(**d, "/run" | "/var/run"))
        })
        .map(|_| "a host system directory")
}

fn check(obj: &Object, out: &mut Vec<Hit>) {
    let Some(pod) = obj.pod() else { return };
    for vol in pod.spec.get("volumes").map(Node::items).unwrap_or_default() {
        let Some(path_node) = vol.at(&["hostPath", "path"]) else {
            continue;
        };
        let Some(path) = path_node.str() else {
            continue;
        };
        if let Some(why) = sensitivity(path) {
            let name = vol.get("name").and_then(Node::str).unwrap_or("");
            out.push(Hit {
                span: obj.span(path_node),
                message: format!("volume {name:?} mounts {path} from the host ({why})"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RULE, sensitivity};
    use crate::rules::testing::check;

    #[test]
    fn flags_sensitive_paths() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  volumes:\n  - name: s\n    hostPath:\n      path: /var/run/docker.sock\n  - name: r\n    hostPath: {path: /}\n",
        );
        assert_eq!(
            hits,
            [
                "6:13 volume \"s\" mounts /var/run/docker.sock from the host (the Docker socket)",
                "8:22 volume \"r\" mounts / from the host (the host's root filesystem)"
            ]
        );
    }

    #[test]
    fn passes_ordinary_paths() {
        assert!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  volumes:\n  - name: d\n    hostPath: {path: /data/cache}\n"
            )
            .is_empty()
        );
        assert_eq!(sensitivity("/etc/ssl"), Some("a host system directory"));
        assert_eq!(sensitivity("/var/log"), None);
        assert_eq!(
            sensitivity("/run/containerd/containerd.sock"),
            Some("the containerd socket")
        );
    }
}
