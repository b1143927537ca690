//! Read-only views over a pod spec: containers of every sort and their security contexts.

use crate::yaml::Node;

/// Which list of the pod spec a container sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub kind: ContainerKind,
    pub index: usize,
}

impl<'a> Container<'a> {
    /// A field of the container's `securityContext`.
    pub fn sc(&self, field: &str) -> Option<&'a Node> {
        self.node.at(&["securityContext", field])
    }

    /// `containers[2]`, for messages and patches.
    pub fn path(&self) -> String {
        format!("{}[{}]", self.kind.field(), self.index)
    }

    /// Capability names under `securityContext.capabilities.<list>` (`add` or `drop`).
    pub fn capabilities(&self, list: &str) -> impl Iterator<Item = &'a Node> {
        self.node
            .at(&["securityContext", "capabilities", list])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
    }
}

/// All containers of a pod spec in the order Pod Security Admission visits them: init
/// containers, containers, ephemeral containers.
pub fn containers(spec: &Node) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for kind in [
        ContainerKind::Init,
        ContainerKind::Regular,
        ContainerKind::Ephemeral,
    ] {
        let list = spec.get(kind.field()).map(Node::items).unwrap_or_default();
        for (index, node) in list.iter().enumerate() {
            out.push(Container {
                node,
                name: node.get("name").and_then(Node::str).unwrap_or(""),
                kind,
                index,
            });
        }
    }
    out
}

/// A field of the pod-level `securityContext`.
pub fn pod_sc<'a>(spec: &'a Node, field: &str) -> Option<&'a Node> {
    spec.at(&["securityContext", field])
}

/// Whether the pod declares Windows (`spec.os.name: windows`).
pub fn is_windows(spec: &Node) -> bool {
    spec.at(&["os", "name"]).and_then(Node::str) == Some("windows")
}

/// Whether the pod runs in its own user namespace (`hostUsers: false`).
pub fn in_user_namespace(spec: &Node) -> bool {
    spec.get("hostUsers").and_then(Node::bool) == Some(false)
}

/// `"a", "b"`: names quoted and joined the way the API server writes them.
pub fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("{:?}", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `singular` for one item, `plural` otherwise.
pub fn pluralize<'s>(singular: &'s str, plural: &'s str, n: usize) -> &'s str {
    if n == 1 { singular } else { plural }
}
