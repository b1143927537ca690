//! Kubernetes objects read from files, directories and standard input.
//!
//! Reading never stops at the first bad document: every problem becomes a [`Diagnostic`] with the
//! file, line and column, and the rest of the input is still read.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use palisade_core::Span;
use serde::Serialize;

use crate::yaml::{self, Limits, Node};

/// One Kubernetes object and the file it came from.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: Arc<str>,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    /// `metadata.namespace` as written; `None` when absent.
    pub namespace: Option<String>,
    pub root: Node,
}

/// Something in the input that could not be read as an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
}

/// Everything read from the inputs: the objects, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Manifests {
    pub objects: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were read.
    pub files: usize,
}

/// Kinds that carry a pod template, and where the pod spec sits in each.
pub const WORKLOAD_KINDS: [(&str, &[&str]); 9] = [
    ("Pod", &[]),
    ("Deployment", &["spec", "template"]),
    ("StatefulSet", &["spec", "template"]),
    ("DaemonSet", &["spec", "template"]),
    ("ReplicaSet", &["spec", "template"]),
    ("ReplicationController", &["spec", "template"]),
    ("Job", &["spec", "template"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template"]),
    ("PodTemplate", &["template"]),
];

/// The pod inside an object: its metadata (annotations) and spec.
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    pub metadata: Option<&'a Node>,
    pub spec: &'a Node,
    /// Where the pod spec sits, as a dotted path (`spec.template.spec`).
    pub spec_path: &'static str,
}

impl Object {
    /// `Kind/name.namespace`, the way kubesec names objects (namespace `default` when unset).
    pub fn display_name(&self) -> String {
        format!(
            "{}/{}.{}",
            self.kind,
            self.name,
            self.namespace.as_deref().unwrap_or("default")
        )
    }

    /// The namespace the object lands in when applied without `-n`.
    pub fn effective_namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// The pod template of a workload kind, if the object has one.
    pub fn pod(&self) -> Option<PodTemplate<'_>> {
        let (_, path) = WORKLOAD_KINDS.iter().find(|(k, _)| *k == self.kind)?;
        let (template, spec_path) = if path.is_empty() {
            (&self.root, "spec")
        } else {
            let spec_path = match self.kind.as_str() {
                "CronJob" => "spec.jobTemplate.spec.template.spec",
                "PodTemplate" => "template.spec",
                _ => "spec.template.spec",
            };
            (self.root.at(path)?, spec_path)
        };
        let spec = template.get("spec").filter(|s| s.is_map())?;
        Some(PodTemplate {
            metadata: template.get("metadata"),
            spec,
            spec_path,
        })
    }

    /// A span in this object's file at a node.
    pub fn span(&self, node: &Node) -> Span {
        Span::new(&*self.file, node.line, node.column)
    }

    /// A span at the object's start.
    pub fn start(&self) -> Span {
        self.span(&self.root)
    }
}

impl Manifests {
    /// Reads one file's bytes, adding its objects and problems.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8], limits: &Limits) {
        let mut kept = Vec::new();
        self.add_bytes_to(name, bytes, limits, &mut |o| kept.push(o));
        self.objects.append(&mut kept);
    }

    /// Hands each object read to `sink` as soon as its document is read, instead of keeping it:
    /// memory holds one document's tree at a time. The result holds the problems and the count
    /// of files; its `objects` stay empty.
    pub fn stream_paths(
        paths: &[impl AsRef<Path>],
        limits: &Limits,
        mut sink: impl FnMut(Object),
    ) -> Manifests {
        let mut m = Manifests::default();
        m.add_paths_to(paths, limits, &mut sink);
        m
    }

    fn add_bytes_to(
        &mut self,
        name: &str,
        bytes: &[u8],
        limits: &Limits,
        sink: &mut dyn FnMut(Object),
    ) {
        self.files += 1;
        let file: Arc<str> = Arc::from(name);
        if bytes.len() > limits.max_file_bytes {
            self.diagnostic(
                Span::new(name, 1, 1),
                format!(
                    "file is larger than {} bytes; not read",
                    limits.max_file_bytes
                ),
            );
            return;
        }
        let text = match yaml::decode(bytes) {
            Ok(t) => t,
            Err(e) => {
                self.diagnostic(Span::new(name, e.line, e.column), e.message);
                return;
            }
        };
        yaml::for_each_document(text, limits, |doc| match doc.result {
            Ok(root) => self.add_document(&file, root, 0, sink),
            Err(e) => self.diagnostic(
                Span::new(name, e.line, e.column),
                format!(
                    "document starting at line {} is not valid YAML: {}",
                    doc.line, e.message
                ),
            ),
        });
    }

    /// Hands the document's object (or a List's objects) to `sink`, or records why not.
    fn add_document(
        &mut self,
        file: &Arc<str>,
        root: Node,
        depth: usize,
        sink: &mut dyn FnMut(Object),
    ) {
        if root.is_null() {
            return;
        }
        let span = Span::new(&**file, root.line, root.column);
        if !root.is_map() {
            self.diagnostic(
                span,
                "document is not a mapping (expected a Kubernetes object)".into(),
            );
            return;
        }
        let Some(kind) = root.get("kind").and_then(Node::str).map(str::to_owned) else {
            self.diagnostic(span, "object has no kind".into());
            return;
        };
        if kind == "List" || (kind.ends_with("List") && root.get("items").is_some()) {
            if depth > 2 {
                self.diagnostic(span, "List nested more than twice".into());
                return;
            }
            for item in root.get("items").map(Node::items).unwrap_or_default() {
                self.add_document(file, item.clone(), depth + 1, sink);
            }
            return;
        }
        let metadata = root.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Node::str)
            .unwrap_or("")
            .to_owned();
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::str)
            .map(str::to_owned);
        sink(Object {
            file: file.clone(),
            api_version: root
                .get("apiVersion")
                .and_then(Node::str)
                .unwrap_or("")
                .to_owned(),
            kind,
            name,
            namespace,
            root,
        });
    }

    fn diagnostic(&mut self, span: Span, message: String) {
        self.diagnostics.push(Diagnostic { span, message });
    }

    /// Reads files and directories (recursively: `.yaml`, `.yml` and `.json` files, sorted, without
    /// following symbolic links to directories). `-` reads standard input.
    pub fn add_paths(&mut self, paths: &[impl AsRef<Path>], limits: &Limits) {
        let mut kept = Vec::new();
        self.add_paths_to(paths, limits, &mut |o| kept.push(o));
        self.objects.append(&mut kept);
    }

    fn add_paths_to(
        &mut self,
        paths: &[impl AsRef<Path>],
        limits: &Limits,
        sink: &mut dyn FnMut(Object),
    ) {
        for path in paths {
            let path = path.as_ref();
            if path == Path::new("-") {
                let mut bytes = Vec::new();
                let read = std::io::stdin()
                    .lock()
                    .take(limits.max_file_bytes as u64 + 1)
                    .read_to_end(&mut bytes);
                match read {
                    Ok(_) => self.add_bytes_to("<stdin>", &bytes, limits, sink),
                    Err(e) => self.diagnostic(
                        Span::new("<stdin>", 1, 1),
                        format!("reading standard input: {e}"),
                    ),
                }
                continue;
            }
            if path.is_dir() {
                let walk = walkdir::WalkDir::new(path)
                    .follow_links(false)
                    .max_depth(64)
                    .sort_by_file_name();
                for entry in walk {
                    match entry {
                        Ok(e) if e.file_type().is_file() && is_manifest_name(e.path()) => {
                            self.add_file(e.path(), limits, sink);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let name = e.path().unwrap_or(path).display().to_string();
                            self.diagnostic(
                                Span::new(name, 1, 1),
                                format!("reading directory: {e}"),
                            );
                        }
                    }
                }
            } else {
                self.add_file(path, limits, sink);
            }
        }
    }

    fn add_file(&mut self, path: &Path, limits: &Limits, sink: &mut dyn FnMut(Object)) {
        let name = path.display().to_string();
        let read = fs::File::open(path).and_then(|f| {
            let mut bytes = Vec::new();
            f.take(limits.max_file_bytes as u64 + 1)
                .read_to_end(&mut bytes)?;
            Ok(bytes)
        });
        match read {
            Ok(bytes) => self.add_bytes_to(&name, &bytes, limits, sink),
            Err(e) => {
                self.files += 1;
                self.diagnostic(Span::new(name, 1, 1), format!("reading file: {e}"));
            }
        }
    }
}

fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Reads manifests from paths (`-` for standard input).
pub fn read_paths(paths: &[impl AsRef<Path>], limits: &Limits) -> Manifests {
    let mut m = Manifests::default();
    m.add_paths(paths, limits);
    m
}

/// Reads manifests from one in-memory file.
pub fn read_bytes(name: &str, bytes: &[u8], limits: &Limits) -> Manifests {
    let mut m = Manifests::default();
    m.add_bytes(name, bytes, limits);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_flattened_and_bad_documents_reported() {
        let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: ns}
  spec: {containers: [{name: c, image: x}]}
- kind: ConfigMap
  metadata: {name: b}
---
kind: [broken
---
- just a list
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: j, image: y}]
";
        let m = read_bytes("t.yaml", text.as_bytes(), &Limits::default());
        let names: Vec<_> = m.objects.iter().map(Object::display_name).collect();
        assert_eq!(
            names,
            ["Pod/a.ns", "ConfigMap/b.default", "CronJob/c.default"]
        );
        assert_eq!(m.diagnostics.len(), 2, "{:?}", m.diagnostics);
        assert_eq!(m.diagnostics[0].span.line, 12);
        assert_eq!(m.diagnostics[1].span.line, 13);
        let cron = m.objects[2].pod().unwrap();
        assert_eq!(cron.spec_path, "spec.jobTemplate.spec.template.spec");
        assert_eq!(cron.spec.line, 23);
    }
}
