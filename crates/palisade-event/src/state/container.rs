//! Containers: attribution by cgroup and metadata from container events.

use serde_json::Value as Json;

use super::types::{ContainerInfo, Mount};

/// The container id (12 hex digits) in a cgroup path, for the usual runtimes: Docker
/// (`/docker/<id>`, `docker-<id>.scope`), CRI-O (`crio-<id>.scope`), containerd
/// (`cri-containerd-<id>.scope`, `/kubepods/…/<id>`), podman (`libpod-<id>.scope`).
pub fn container_id_from_cgroup(path: &str) -> Option<&str> {
    for seg in path.rsplit('/') {
        let seg = seg.strip_suffix(".scope").unwrap_or(seg);
        let id = seg
            .strip_prefix("docker-")
            .or_else(|| seg.strip_prefix("crio-"))
            .or_else(|| seg.strip_prefix("cri-containerd-"))
            .or_else(|| seg.strip_prefix("libpod-"))
            .unwrap_or(seg);
        if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return id.get(..12);
        }
    }
    None
}

/// The container id of a thread with these cgroups, if any.
pub fn container_id_from_cgroups(cgroups: &[(String, String)]) -> Option<&str> {
    cgroups
        .iter()
        .find_map(|(_, path)| container_id_from_cgroup(path))
}

fn runtime_name(t: i64) -> &'static str {
    match t {
        0 => "docker",
        1 => "lxc",
        2 => "libvirt-lxc",
        3 => "mesos",
        4 => "rkt",
        6 => "cri",
        7 => "containerd",
        8 => "cri-o",
        9 => "bpm",
        10 => "static",
        11 => "podman",
        _ => "custom",
    }
}

fn s(v: &Json, key: &str) -> String {
    v.get(key)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn string_map(v: Option<&Json>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Splits an image reference into repository and tag (or digest-less tag).
pub fn split_image(image: &str) -> (String, String) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[slash..].rfind(':') {
        Some(i) => (
            no_digest[..slash + i].to_owned(),
            no_digest[slash + i + 1..].to_owned(),
        ),
        None => (no_digest.to_owned(), String::new()),
    }
}

/// Parses the JSON of a container event (`{"container": {...}}`).
pub fn parse_container_json(json: &[u8]) -> Option<ContainerInfo> {
    let root: Json = serde_json::from_slice(json).ok()?;
    let c = root.get("container")?;
    let full_id = s(c, "id");
    let id = full_id.get(..12).unwrap_or(&full_id).to_owned();
    let image = s(c, "image");
    let (mut repo, mut tag) = split_image(&image);
    if let Some(r) = c.get("imagerepo").and_then(Json::as_str) {
        repo = r.to_owned();
    }
    if let Some(t) = c.get("imagetag").and_then(Json::as_str) {
        tag = t.to_owned();
    }
    let labels = string_map(c.get("labels"));
    let label = |k: &str| {
        labels
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mounts = c
        .get("Mounts")
        .and_then(Json::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| Mount {
                    source: s(m, "Source"),
                    dest: s(m, "Destination"),
                    mode: s(m, "Mode"),
                    rw: m.get("RW").and_then(Json::as_bool).unwrap_or(false),
                    propagation: s(m, "Propagation"),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(ContainerInfo {
        full_id: full_id.clone(),
        id,
        name: s(c, "name"),
        runtime: runtime_name(c.get("type").and_then(Json::as_i64).unwrap_or(0)).to_owned(),
        image,
        image_id: s(c, "imageid"),
        image_repository: repo,
        image_tag: tag,
        image_digest: s(c, "imagedigest"),
        privileged: c.get("privileged").and_then(Json::as_bool),
        created_time: c.get("created_time").and_then(Json::as_i64).unwrap_or(0),
        mounts,
        ip: s(c, "ip"),
        k8s_pod_name: label("io.kubernetes.pod.name"),
        k8s_namespace: label("io.kubernetes.pod.namespace"),
        k8s_pod_uid: label("io.kubernetes.pod.uid"),
        k8s_pod_labels: string_map(c.get("pod_sandbox_labels")),
        is_pod_sandbox: c
            .get("is_pod_sandbox")
            .and_then(Json::as_bool)
            .unwrap_or(false),
        host_network: c.get("host_network").and_then(Json::as_bool),
        host_pid: c.get("host_pid").and_then(Json::as_bool),
        host_ipc: c.get("host_ipc").and_then(Json::as_bool),
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_ids() {
        let id = "697956520d89a7a0c94f8b0a9ce61a39c2f4d0c2a3a6a5b8d0b6a5e0b1f2c3d4";
        assert_eq!(
            container_id_from_cgroup(&format!("/docker/{id}")),
            Some("697956520d89")
        );
        assert_eq!(
            container_id_from_cgroup(&format!("/system.slice/docker-{id}.scope")),
            Some("697956520d89")
        );
        assert_eq!(
            container_id_from_cgroup(&format!("/kubepods/besteffort/pod1234/{id}")),
            Some("697956520d89")
        );
        assert_eq!(
            container_id_from_cgroup("/user.slice/user-1000.slice"),
            None
        );
    }

    #[test]
    fn container_json() {
        let json = br#"{"container":{"Mounts":[{"Destination":"/data","Mode":"","Propagation":"rprivate","RW":true,"Source":"/srv"}],"id":"697956520d89","image":"nginx","imagedigest":"sha256:96fb","imagerepo":"nginx","imagetag":"latest","labels":{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"prod"},"name":"hopeful_taussig","privileged":true,"type":0,"created_time":1700000000}}"#;
        let c = parse_container_json(json).expect("parses");
        assert_eq!(c.id, "697956520d89");
        assert_eq!(c.image_repository, "nginx");
        assert_eq!(c.image_tag, "latest");
        assert_eq!(c.privileged, Some(true));
        assert_eq!(c.mounts[0].dest, "/data");
        assert_eq!(c.k8s_pod_name, "web-1");
        assert_eq!(c.k8s_namespace, "prod");
        assert_eq!(c.runtime, "docker");
        assert_eq!(c.created_time, 1_700_000_000);
    }

    #[test]
    fn image_split() {
        assert_eq!(
            split_image("gcr.io/a/b:v1.4.0"),
            ("gcr.io/a/b".into(), "v1.4.0".into())
        );
        assert_eq!(
            split_image("localhost:5000/app"),
            ("localhost:5000/app".into(), String::new())
        );
        assert_eq!(
            split_image("nginx@sha256:ab"),
            ("nginx".into(), String::new())
        );
    }
}
