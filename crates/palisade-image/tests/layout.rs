//! OCI layout directories written to hurt the reader (issue 14's attack run): an index that is
//! a device or too large, a FIFO blob, a layer that goes on past its descriptor's size. Each is
//! a clear error, found without reading to the end.

use std::path::Path;

use palisade_core::{Algorithm, Digest, ImageRef};
use palisade_image::{NoProgress, OpenOptions};
use sha2::{Digest as _, Sha256};

fn sha(bytes: &[u8]) -> Digest {
    Digest::from_bytes(Algorithm::Sha256, &Sha256::digest(bytes))
}

fn put(dir: &Path, bytes: &[u8]) -> Digest {
    let d = sha(bytes);
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(d.hex()), bytes).unwrap();
    d
}

/// A one-layer layout; `layer_size` is what the descriptor claims.
fn layout(dir: &Path, layer: &[u8], layer_size: usize) -> Digest {
    layout_of(dir, &[(layer, layer_size)])[0].clone()
}

/// A layout of these layers (bottom first), each with the size its descriptor claims.
fn layout_of(dir: &Path, layers: &[(&[u8], usize)]) -> Vec<Digest> {
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let digests: Vec<Digest> = layers.iter().map(|(l, _)| put(dir, l)).collect();
    let diffs: Vec<String> = layers.iter().map(|(l, _)| sha(l).to_string()).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diffs},
    }))
    .unwrap();
    let descriptors: Vec<serde_json::Value> = layers
        .iter()
        .zip(&digests)
        .map(|((_, size), d)| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d.to_string(), "size": size}))
        .collect();
    let config_digest = put(dir, &config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.to_string(), "size": config.len()},
        "layers": descriptors,
    }))
    .unwrap();
    let manifest_digest = put(dir, &manifest);
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest.to_string(), "size": manifest.len()}],
        }))
        .unwrap(),
    )
    .unwrap();
    digests
}

fn tar_of(name: &str, content: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(content.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, name, content).unwrap();
    b.into_inner().unwrap()
}

struct Count;
impl palisade_image::FileVisitor for Count {
    type Output = ();
    fn wants(&self, _: &str) -> bool {
        true
    }
    fn visit(&self, _: &palisade_image::FileEntry<'_>, _: &mut dyn std::io::Read) -> Option<()> {
        Some(())
    }
}

/// The error with its causes, as the binary prints it.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn open_and_walk(dir: &Path) -> Result<(), String> {
    walk_ref(&format!("oci:{}", dir.display()))
}

fn walk_ref(reference: &str) -> Result<(), String> {
    let reference: ImageRef = reference.parse().unwrap();
    let image = palisade_image::open(&reference, &OpenOptions::default()).map_err(|e| chain(&e))?;
    image
        .walk(&Count, &NoProgress)
        .map(|_| ())
        .map_err(|e| chain(&e))
}

#[test]
fn a_well_formed_layout_reads() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar_of("etc/hello", b"hi\n");
    layout(dir.path(), &layer, layer.len());
    open_and_walk(dir.path()).unwrap();
}

#[test]
fn issue_14_an_index_that_is_a_device_or_too_large_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar_of("a", b"a");
    layout(dir.path(), &layer, layer.len());
    std::fs::remove_file(dir.path().join("index.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("index.json")).unwrap();
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(err.contains("not a regular file"), "{err}");

    std::fs::remove_file(dir.path().join("index.json")).unwrap();
    let big = std::fs::File::create(dir.path().join("index.json")).unwrap();
    big.set_len(1 << 30).unwrap(); // sparse: 1 GiB of nothing
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(err.contains("index.json"), "{err}");
}

#[test]
fn issue_14_a_fifo_blob_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar_of("a", b"a");
    let digest = layout(dir.path(), &layer, layer.len());
    let path = dir.path().join("blobs/sha256").join(digest.hex());
    std::fs::remove_file(&path).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn issue_14_a_layer_past_its_descriptor_size_stops_there() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar_of("a", b"a");
    let digest = layout(dir.path(), &layer, 10_240.min(layer.len()));
    // The blob on disk becomes a sparse 64 GiB file; the descriptor says a few KiB.
    let path = dir.path().join("blobs/sha256").join(digest.hex());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(
        err.contains("reading stopped") || err.contains("larger than"),
        "{err}"
    );
}

/// Reads every file whole.
struct Contents;
impl palisade_image::FileVisitor for Contents {
    type Output = Vec<u8>;
    fn wants(&self, _: &str) -> bool {
        true
    }
    fn visit(
        &self,
        _: &palisade_image::FileEntry<'_>,
        r: &mut dyn std::io::Read,
    ) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).ok()?;
        Some(out)
    }
}

fn link_entry(b: &mut tar::Builder<Vec<u8>>, name: &str, target: &str) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Link);
    h.set_size(0);
    h.set_mode(0o644);
    b.append_link(&mut h, name, target).unwrap();
}

#[test]
fn issue_14_an_oci_archive_made_with_tar_of_dot_reads() {
    // `tar -C dir -cf x.tar .` starts with a `./` entry for the archive's own root.
    let dir = tempfile::tempdir().unwrap();
    let layout_dir = dir.path().join("layout");
    std::fs::create_dir(&layout_dir).unwrap();
    let layer = tar_of("etc/hello", b"hi\n");
    layout(&layout_dir, &layer, layer.len());
    let archive = dir.path().join("x.tar");
    let status = std::process::Command::new("tar")
        .arg("-C")
        .arg(&layout_dir)
        .arg("-cf")
        .arg(&archive)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    walk_ref(&format!("oci-archive:{}", archive.display())).unwrap();
}

#[test]
fn issue_14_a_hard_link_to_a_missing_file_is_an_error_not_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    link_entry(&mut b, "var/lib/dpkg/status", "nowhere/status");
    let layer = b.into_inner().unwrap();
    layout(dir.path(), &layer, layer.len());
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(
        err.contains("hard link /var/lib/dpkg/status names /nowhere/status"),
        "{err}"
    );
}

#[test]
fn hard_links_read_their_target_in_the_same_layer_or_below() {
    let dir = tempfile::tempdir().unwrap();
    let lower = tar_of("etc/base", b"from below\n");
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o644);
    b.append_data(&mut h, "etc/here", &b"here\n"[..]).unwrap();
    link_entry(&mut b, "etc/here-link", "etc/here");
    link_entry(&mut b, "etc/base-link", "etc/base");
    link_entry(&mut b, "etc/link-of-link", "etc/base-link");
    let upper = b.into_inner().unwrap();
    layout_of(dir.path(), &[(&lower, lower.len()), (&upper, upper.len())]);
    let reference: ImageRef = format!("oci:{}", dir.path().display()).parse().unwrap();
    let image = palisade_image::open(&reference, &OpenOptions::default()).unwrap();
    let walk = image.walk(&Contents, &NoProgress).unwrap();
    let got: Vec<(String, String, Option<usize>)> = walk
        .files
        .iter()
        .map(|v| {
            let text = String::from_utf8_lossy(&v.output).into_owned();
            (v.path.clone(), text, v.layer_index)
        })
        .collect();
    let want = |p: &str, t: &str, l: usize| (p.to_string(), t.to_string(), Some(l));
    assert_eq!(
        got,
        vec![
            want("/etc/base", "from below\n", 0),
            want("/etc/base-link", "from below\n", 1),
            want("/etc/here", "here\n", 1),
            want("/etc/here-link", "here\n", 1),
            want("/etc/link-of-link", "from below\n", 1),
        ]
    );
}

#[test]
fn issue_14_a_pax_size_that_is_not_a_number_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    b.append_pax_extensions([("size", &b"99999999999999999999999"[..])])
        .unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_size(0);
    h.set_mode(0o644);
    b.append_data(&mut h, "var/lib/dpkg/status", &b""[..])
        .unwrap();
    let layer = b.into_inner().unwrap();
    layout(dir.path(), &layer, layer.len());
    let err = open_and_walk(dir.path()).unwrap_err();
    assert!(
        err.contains("PAX size \"99999999999999999999999\""),
        "{err}"
    );
}
