//! Layer semantics and hostile images, on images assembled in memory: whiteouts, opaque
//! directories, overrides, hard links, symlinks, and every kind of malformed input the reader
//! must refuse with a clear error.

use std::io::{Read, Write};

use palisade_core::{Algorithm, Digest};
use palisade_image::oci::{Descriptor, Manifest};
use palisade_image::{
    BlobKey, FileEntry, FileVisitor, Format, Image, ImageError, Limits, MemoryBlobs, NoProgress,
};
use sha2::{Digest as _, Sha256};

fn sha(bytes: &[u8]) -> Digest {
    Digest::from_bytes(Algorithm::Sha256, &Sha256::digest(bytes))
}

/// One tar entry to write.
enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    /// A regular-file header with a raw name, written without the tar crate's checks.
    RawName(&'a [u8], &'a [u8]),
}

fn tar_layer(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match e {
            E::File(path, data) => {
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, path, *data).unwrap();
            }
            E::Dir(path) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Directory);
                b.append_data(&mut h, path, &[][..]).unwrap();
            }
            E::Symlink(path, target) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, path, target).unwrap();
            }
            E::Hardlink(path, target) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Link);
                b.append_link(&mut h, path, target).unwrap();
            }
            E::RawName(name, data) => {
                let gnu = h.as_gnu_mut().unwrap();
                gnu.name[..name.len()].copy_from_slice(name);
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_cksum();
                b.append(&h, *data).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A layer as stored (`blob`) and as its tar (`tar`, for the diff id).
struct Layer {
    blob: Vec<u8>,
    tar: Vec<u8>,
}

impl Layer {
    fn plain(tar: Vec<u8>) -> Layer {
        Layer {
            blob: tar.clone(),
            tar,
        }
    }
    fn gzip(tar: Vec<u8>) -> Layer {
        Layer {
            blob: gzip(&tar),
            tar,
        }
    }
}

fn image_with(layers: Vec<Layer>, limits: Limits) -> Result<Image, ImageError> {
    let mut blobs = MemoryBlobs::default();
    let diff_ids: Vec<String> = layers.iter().map(|l| sha(&l.tar).to_string()).collect();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_digest = sha(&config);
    blobs
        .blobs
        .insert(BlobKey::Digest(config_digest.clone()), config.clone());
    let mut descriptors = Vec::new();
    for l in layers {
        let d = sha(&l.blob);
        descriptors.push(Descriptor {
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            digest: d.clone(),
            size: l.blob.len() as u64,
            platform: None,
            annotations: Default::default(),
        });
        blobs.blobs.insert(BlobKey::Digest(d), l.blob);
    }
    let manifest = Manifest {
        media_type: None,
        config: Descriptor {
            media_type: "application/vnd.oci.image.config.v1+json".into(),
            digest: config_digest,
            size: config.len() as u64,
            platform: None,
            annotations: Default::default(),
        },
        layers: descriptors,
    };
    Image::from_parts(
        "test-image".into(),
        Format::OciLayout,
        Box::new(blobs),
        &manifest,
        None,
        limits,
    )
}

/// Wants every file whose name does not start with "skip", and keeps its content.
struct Collect;

impl FileVisitor for Collect {
    type Output = String;
    fn wants(&self, path: &str) -> bool {
        !path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .starts_with("skip")
    }
    fn visit(&self, _: &FileEntry<'_>, content: &mut dyn Read) -> Option<String> {
        let mut s = String::new();
        content.read_to_string(&mut s).ok()?;
        Some(s)
    }
}

fn walk(layers: Vec<Layer>) -> palisade_image::Walk<String> {
    image_with(layers, Limits::default())
        .unwrap()
        .walk(&Collect, &NoProgress)
        .unwrap()
}

fn walk_err(layers: Vec<Layer>, limits: Limits) -> String {
    let err = match image_with(layers, limits) {
        Ok(image) => image
            .walk(&Collect, &NoProgress)
            .expect_err("the walk must fail"),
        Err(e) => e,
    };
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

fn visible(w: &palisade_image::Walk<String>) -> Vec<(&str, &str, Option<usize>)> {
    w.files
        .iter()
        .map(|v| (v.path.as_str(), v.output.as_str(), v.layer_index))
        .collect()
}

#[test]
fn whiteouts_opaque_directories_and_overrides() {
    let base = tar_layer(&[
        E::Dir("app"),
        E::File("app/a.txt", b"a"),
        E::File("app/b.txt", b"b"),
        E::File("etc/motd", b"hello"),
        E::File("opt/d/x", b"x"),
        E::File("opt/d/sub/z", b"z"),
        E::File("f", b"one"),
        E::File("gone/deep/file", b"deep"),
    ]);
    let top = tar_layer(&[
        E::File("app/.wh.a.txt", b""),
        E::File("opt/d/.wh..wh..opq", b""),
        E::File("opt/d/y", b"y"),
        E::File("f", b"two"),
        E::File(".wh.gone", b""),
    ]);
    let w = walk(vec![Layer::gzip(base), Layer::plain(top)]);
    assert_eq!(
        visible(&w),
        [
            ("/app/b.txt", "b", Some(0)),
            ("/etc/motd", "hello", Some(0)),
            ("/f", "two", Some(1)),
            ("/opt/d/y", "y", Some(1)),
        ]
    );
    let mut hidden: Vec<_> = w
        .hidden
        .iter()
        .map(|v| (v.path.as_str(), v.output.as_str()))
        .collect();
    hidden.sort();
    assert_eq!(
        hidden,
        [
            ("/app/a.txt", "a"),
            ("/f", "one"),
            ("/gone/deep/file", "deep"),
            ("/opt/d/sub/z", "z"),
            ("/opt/d/x", "x")
        ]
    );
    let nodes = w.nodes().unwrap();
    assert!(!nodes.contains_key("/gone"));
    assert!(nodes.contains_key("/opt/d"));
}

#[test]
fn a_file_replacing_a_directory_hides_its_contents() {
    let base = tar_layer(&[E::File("data/inner", b"in")]);
    let top = tar_layer(&[E::File("data", b"now a file")]);
    let w = walk(vec![Layer::plain(base), Layer::plain(top)]);
    assert_eq!(visible(&w), [("/data", "now a file", Some(1))]);
}

#[test]
fn hard_links_are_read_through_their_target() {
    let layer = tar_layer(&[
        E::File("usr/skip-target", b"shared bytes"),
        E::Hardlink("usr/link", "usr/skip-target"),
    ]);
    let w = walk(vec![Layer::plain(layer)]);
    assert_eq!(visible(&w), [("/usr/link", "shared bytes", Some(0))]);
}

#[test]
fn hard_links_to_files_already_read_share_the_result() {
    let layer = tar_layer(&[
        E::File("usr/bin/perl5.36", b"interpreter"),
        E::Hardlink("usr/bin/perl", "usr/bin/perl5.36"),
    ]);
    let w = walk(vec![Layer::plain(layer)]);
    assert_eq!(
        visible(&w),
        [
            ("/usr/bin/perl", "interpreter", Some(0)),
            ("/usr/bin/perl5.36", "interpreter", Some(0)),
        ]
    );
}

#[test]
fn symlinks_resolve_inside_the_root_only() {
    let layer = tar_layer(&[
        E::File("usr/lib/os-release", b"ID=test"),
        E::Symlink("etc/os-release", "../usr/lib/os-release"),
        E::Symlink("escape", "../../../../../usr/lib/os-release"),
        E::Symlink("abs", "/usr/lib/os-release"),
        E::Symlink("loop-a", "loop-b"),
        E::Symlink("loop-b", "loop-a"),
        E::Symlink("bin", "usr/bin"),
    ]);
    let w = walk(vec![Layer::plain(layer)]);
    assert_eq!(
        w.resolve("/etc/os-release").as_deref(),
        Some("/usr/lib/os-release")
    );
    assert_eq!(w.resolve("/escape").as_deref(), Some("/usr/lib/os-release"));
    assert_eq!(w.file("/abs").map(|v| v.output.as_str()), Some("ID=test"));
    assert_eq!(w.resolve("/loop-a"), None);
    assert_eq!(w.resolve("/bin/sh"), None, "usr/bin does not exist");
}

#[test]
fn zstd_layers_are_read() {
    let tar = tar_layer(&[E::File("z", b"zstd content")]);
    let blob = zstd::encode_all(&tar[..], 3).unwrap();
    let w = walk(vec![Layer { blob, tar }]);
    assert_eq!(visible(&w), [("/z", "zstd content", Some(0))]);
}

#[test]
fn entries_escaping_the_root_are_refused() {
    let tar = tar_layer(&[E::RawName(b"../../etc/cron.d/evil", b"x")]);
    let msg = walk_err(vec![Layer::plain(tar)], Limits::default());
    assert!(msg.contains("escapes the image root"), "{msg}");
    assert!(
        msg.contains("test-image") && msg.contains("sha256:"),
        "names image and layer: {msg}"
    );

    let tar = tar_layer(&[E::RawName(b"/etc/passwd", b"x")]);
    let msg = walk_err(vec![Layer::plain(tar)], Limits::default());
    assert!(msg.contains("absolute path"), "{msg}");

    let tar = tar_layer(&[E::Hardlink("x", "../../etc/shadow")]);
    let msg = walk_err(vec![Layer::plain(tar)], Limits::default());
    assert!(msg.contains("escapes the image root"), "{msg}");
}

#[test]
fn non_utf8_names_are_refused() {
    let tar = tar_layer(&[E::RawName(b"bad\xffname", b"x")]);
    let msg = walk_err(vec![Layer::plain(tar)], Limits::default());
    assert!(msg.contains("not valid UTF-8"), "{msg}");
}

#[test]
fn truncated_layers_fail_clearly() {
    let tar = tar_layer(&[E::File("a", &[7u8; 5000]), E::File("b", b"b")]);
    let cut = tar[..3000].to_vec();
    // The digests describe the truncated bytes, so only the tar structure is wrong.
    let msg = walk_err(vec![Layer::plain(cut)], Limits::default());
    assert!(
        msg.contains("reading the layer stream") || msg.contains("layer"),
        "{msg}"
    );

    let gz = gzip(&tar);
    let blob = gz[..gz.len() / 2].to_vec();
    let msg = walk_err(vec![Layer { blob, tar }], Limits::default());
    assert!(msg.contains("layer"), "{msg}");
}

#[test]
fn digest_mismatches_are_refused() {
    let tar = tar_layer(&[E::File("a", b"a")]);
    // The blob's bytes differ from what the diff id describes.
    let other = tar_layer(&[E::File("a", b"b")]);
    let msg = walk_err(vec![Layer { blob: other, tar }], Limits::default());
    assert!(msg.contains("diff id mismatch"), "{msg}");
}

#[test]
fn decompression_bombs_are_stopped() {
    let zeros = vec![0u8; 8 << 20];
    let tar = tar_layer(&[E::File("zeros", &zeros)]);
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        ..Limits::default()
    };
    let msg = walk_err(vec![Layer::gzip(tar.clone())], limits);
    assert!(
        msg.contains("decompresses to more than 1048576 bytes"),
        "{msg}"
    );

    let limits = Limits {
        ratio_check_after: 1 << 20,
        max_ratio: 50,
        ..Limits::default()
    };
    let msg = walk_err(vec![Layer::gzip(tar)], limits);
    assert!(msg.contains("decompression bomb"), "{msg}");
}

#[test]
fn huge_declared_sizes_do_not_allocate() {
    // A header claiming a 1 TiB file followed by a few bytes.
    let mut h = tar::Header::new_gnu();
    h.set_path("huge").unwrap();
    h.set_size(1 << 40);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend_from_slice(&[1u8; 1024]);
    let msg = walk_err(vec![Layer::plain(tar)], Limits::default());
    assert!(msg.contains("layer"), "{msg}");
}

#[test]
fn too_many_entries_and_long_names_are_refused() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let entries: Vec<E<'_>> = names.iter().map(|n| E::File(n, b"")).collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let msg = walk_err(vec![Layer::plain(tar_layer(&entries))], limits);
    assert!(msg.contains("more than 10 entries"), "{msg}");

    let long = "d/".repeat(100) + "f";
    let limits = Limits {
        max_path_bytes: 100,
        ..Limits::default()
    };
    let msg = walk_err(
        vec![Layer::plain(tar_layer(&[E::File(&long, b"")]))],
        limits,
    );
    assert!(msg.contains("exceeds the limit"), "{msg}");
}

#[test]
fn garbage_archives_and_oversized_configs_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.tar");
    std::fs::write(&path, b"this is not a tar archive at all, just text").unwrap();
    let reference: palisade_core::ImageRef = format!("docker-archive:{}", path.display())
        .parse()
        .unwrap();
    let err = palisade_image::open(&reference, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("garbage.tar"), "{err}");

    // An archive whose manifest.json is larger than the JSON limit.
    let big = vec![b' '; 2 << 20];
    let tar = tar_layer(&[E::File("manifest.json", &big)]);
    let path = dir.path().join("big.tar");
    std::fs::write(&path, tar).unwrap();
    let reference: palisade_core::ImageRef = format!("docker-archive:{}", path.display())
        .parse()
        .unwrap();
    let options = palisade_image::OpenOptions {
        limits: Limits {
            max_json_bytes: 1 << 20,
            ..Limits::default()
        },
        ..Default::default()
    };
    let err = palisade_image::open(&reference, &options).unwrap_err();
    assert!(err.to_string().contains("over the limit"), "{err}");

    // A truncated docker archive.
    let real = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let tar = tar_layer(&[
        E::File("manifest.json", &real),
        E::File("layer.tar", &[0u8; 4096]),
    ]);
    let path = dir.path().join("cut.tar");
    std::fs::write(&path, &tar[..tar.len() - 3000]).unwrap();
    let reference: palisade_core::ImageRef = format!("docker-archive:{}", path.display())
        .parse()
        .unwrap();
    let err = palisade_image::open(&reference, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("cut.tar"), "{err}");
}

#[test]
fn issue_14_many_layers_together_are_bounded_like_one() {
    // Each layer is under the limit; together they are not.
    let layers: Vec<Layer> = (0..3)
        .map(|l| {
            let names: Vec<String> = (0..8).map(|i| format!("l{l}/f{i}")).collect();
            let entries: Vec<E<'_>> = names.iter().map(|n| E::File(n, b"")).collect();
            Layer::plain(tar_layer(&entries))
        })
        .collect();
    let limits = Limits {
        max_entries: 20,
        ..Limits::default()
    };
    let msg = walk_err(layers, limits);
    assert!(msg.contains("together hold more than 20 entries"), "{msg}");
}
