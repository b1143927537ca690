//! Java archives: `.jar`, `.war`, `.ear` (and Jenkins `.jpi`/`.hpi`), read as zip files.
//! Every `META-INF/maven/<group>/<artifact>/pom.properties` is a package; an archive with
//! none falls back to its `META-INF/MANIFEST.MF` (`Bundle-SymbolicName`/`Bundle-Version`,
//! `Implementation-Title`/`Implementation-Version`). Archives nested inside
//! (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, `lib/*.jar`) are read too, to a bounded depth
//! and within a bounded total of decompressed bytes, so zip bombs stop early.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use palisade_core::{Ecosystem, Package, license, purl};
use zip::ZipArchive;

use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct JavaArchive;

/// How far and how much an archive is read.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Nesting depth of archives inside archives.
    depth: usize,
    /// The most decompressed bytes read from any one entry.
    entry: u64,
    /// The most decompressed bytes read in all, nested archives included.
    total: u64,
    /// The most entries an archive may have.
    entries: usize,
}

const LIMITS: Limits = Limits {
    depth: 4,
    entry: 128 << 20,
    total: 1 << 30,
    entries: 200_000,
};

fn is_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".jpi", ".hpi"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// `key=value` lines of a Java properties file (no escapes or continuations: Maven writes
/// none in `pom.properties`).
fn properties(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| l.split_once(['=', ':']))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The main section of a manifest: `Key: value`, continuation lines start with one space.
fn manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, value)) = out.last_mut() {
                value.push_str(rest);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn get<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn maven_package(group: Option<&str>, artifact: &str, version: &str) -> Package {
    let name = match group {
        Some(g) => format!("{g}:{artifact}"),
        None => artifact.to_owned(),
    };
    let purl = purl::build("maven", group, artifact, version, &[]);
    package(Ecosystem::Maven, &name, version, purl)
}

struct Scan {
    limits: Limits,
    /// Decompressed bytes read so far.
    read: u64,
    out: Vec<Package>,
    seen: BTreeSet<String>,
}

impl Scan {
    /// Reads one entry, counting it against the budgets.
    fn read_entry(&mut self, entry: &mut dyn Read, what: &str) -> Result<Vec<u8>, String> {
        let budget = self
            .limits
            .entry
            .min(self.limits.total.saturating_sub(self.read));
        let mut bytes = Vec::new();
        entry
            .take(budget.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{what}: {e}"))?;
        self.read = self.read.saturating_add(bytes.len() as u64);
        if bytes.len() as u64 > budget {
            return Err(format!(
                "{what}: over the limit of decompressed bytes ({} per entry, {} in all)",
                self.limits.entry, self.limits.total
            ));
        }
        Ok(bytes)
    }

    fn push(&mut self, p: Package) {
        if self.seen.insert(p.purl.clone()) {
            self.out.push(p);
        }
    }

    /// Scans one archive; `name` is the chain of archive names for messages.
    fn archive(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<(), String> {
        let mut zip =
            ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("{name}: not a zip: {e}"))?;
        if zip.len() > self.limits.entries {
            return Err(format!(
                "{name}: {} entries, over the limit of {}",
                zip.len(),
                self.limits.entries
            ));
        }
        let mut poms = Vec::new();
        let mut pom_xmls = Vec::new();
        let mut manifest_at = None;
        let mut nested = Vec::new();
        for i in 0..zip.len() {
            let Some(entry) = zip.name_for_index(i) else {
                continue;
            };
            if entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.properties") {
                poms.push(i);
            } else if entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.xml") {
                pom_xmls.push((entry.trim_end_matches("pom.xml").to_owned(), i));
            } else if entry.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest_at = Some(i);
            } else if is_archive(entry) && !entry.ends_with('/') {
                nested.push(i);
            }
        }

        let mut found = 0;
        for i in poms {
            let mut entry = zip
                .by_index(i)
                .map_err(|e| format!("{name}: entry {i}: {e}"))?;
            let what = format!("{name}!/{}", entry.name());
            let dir = entry.name().trim_end_matches("pom.properties").to_owned();
            let bytes = self.read_entry(&mut entry, &what)?;
            drop(entry);
            let text = String::from_utf8_lossy(&bytes);
            let props = properties(&text);
            let prop = |k: &str| props.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            if let (Some(group), Some(artifact), Some(version)) =
                (prop("groupId"), prop("artifactId"), prop("version"))
            {
                if !group.is_empty() && !artifact.is_empty() && !version.is_empty() {
                    let mut p = maven_package(Some(group), artifact, version);
                    // The licences the project declares in the pom.xml next to it.
                    if let Some(&(_, at)) = pom_xmls.iter().find(|(d, _)| *d == dir) {
                        let mut entry = zip
                            .by_index(at)
                            .map_err(|e| format!("{name}: entry {at}: {e}"))?;
                        let what = format!("{name}!/{}", entry.name());
                        let xml = self.read_entry(&mut entry, &what)?;
                        p.licenses = pom_licenses(&String::from_utf8_lossy(&xml));
                    }
                    self.push(p);
                    found += 1;
                }
            }
        }

        let manifest_fields = match manifest_at {
            Some(i) => {
                let mut entry = zip
                    .by_index(i)
                    .map_err(|e| format!("{name}: entry {i}: {e}"))?;
                let bytes =
                    self.read_entry(&mut entry, &format!("{name}!/META-INF/MANIFEST.MF"))?;
                manifest(&String::from_utf8_lossy(&bytes))
            }
            None => Vec::new(),
        };
        let license = get(&manifest_fields, "Bundle-License").map(license::normalize);
        if found == 1 {
            if let (Some(l), Some(p)) = (&license, self.out.last_mut()) {
                if p.licenses.is_empty() {
                    p.licenses = vec![l.clone()];
                }
            }
        }
        if found == 0 {
            let artifact = get(&manifest_fields, "Bundle-SymbolicName")
                .map(|n| n.split(';').next().unwrap_or(n).trim())
                .or_else(|| get(&manifest_fields, "Implementation-Title"));
            let version = get(&manifest_fields, "Bundle-Version")
                .or_else(|| get(&manifest_fields, "Implementation-Version"));
            if let (Some(artifact), Some(version)) = (artifact, version) {
                let group = get(&manifest_fields, "Implementation-Vendor-Id");
                let mut p = maven_package(group, artifact, version);
                p.licenses = license.into_iter().collect();
                self.push(p);
            }
        }

        if depth >= self.limits.depth {
            if !nested.is_empty() {
                tracing::debug!(
                    archive = name,
                    "nested archives past the depth limit left out"
                );
            }
            return Ok(());
        }
        for i in nested {
            let mut entry = zip
                .by_index(i)
                .map_err(|e| format!("{name}: entry {i}: {e}"))?;
            let inner = format!("{name}!/{}", entry.name());
            let bytes = self.read_entry(&mut entry, &inner)?;
            drop(entry);
            // A broken nested archive does not hide the rest.
            if let Err(e) = self.archive(&inner, &bytes, depth + 1) {
                if self.read >= self.limits.total {
                    return Err(e);
                }
                tracing::debug!(error = %e, "nested archive skipped");
            }
        }
        Ok(())
    }
}

/// The text of each `<tag>…</tag>` in `xml`, in order.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Undoes XML's five entities and a CDATA wrapper.
fn xml_text(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
        .unwrap_or(s);
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The licences of a pom.xml's `<licenses>`: each one's name, or its URL when it has no name,
/// as an SPDX identifier where the name or URL is a known one.
fn pom_licenses(xml: &str) -> Vec<String> {
    let Some(block) = elements(xml, "licenses").into_iter().next() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for l in elements(block, "license") {
        let name = elements(l, "name").first().map(|n| xml_text(n));
        let url = elements(l, "url").first().map(|u| xml_text(u));
        let known = |s: &String| license::normalize(s);
        // A name the table knows, else a URL it knows, else the name as written.
        let id = match (&name, &url) {
            (Some(n), Some(u)) if known(n) == *n && known(u) != *u => known(u),
            (Some(n), _) if !n.is_empty() => known(n),
            (_, Some(u)) if !u.is_empty() => known(u),
            _ => continue,
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn scan(path: &str, content: &[u8], limits: Limits) -> Result<Vec<Package>, String> {
    let mut scan = Scan {
        limits,
        read: 0,
        out: Vec::new(),
        seen: BTreeSet::new(),
    };
    scan.archive(path, content, 0)?;
    Ok(scan.out)
}

impl Cataloger for JavaArchive {
    fn name(&self) -> &'static str {
        "java-archive"
    }

    fn wants(&self, path: &str) -> bool {
        is_archive(file_name(path))
    }

    fn max_size(&self) -> u64 {
        256 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        scan(path, content, LIMITS)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::{SimpleFileOptions, ZipWriter};

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/java/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn purls(pkgs: &[Package]) -> Vec<&str> {
        pkgs.iter().map(|p| p.purl.as_str()).collect()
    }

    #[test]
    fn real_jar_with_pom_properties() {
        let pkgs = JavaArchive
            .parse(
                "/usr/share/java/plexus.jar",
                &fixture("plexus-component-annotations-2.1.1.jar"),
            )
            .unwrap();
        assert_eq!(
            purls(&pkgs),
            ["pkg:maven/org.codehaus.plexus/plexus-component-annotations@2.1.1"]
        );
        assert_eq!(
            pkgs[0].name,
            "org.codehaus.plexus:plexus-component-annotations"
        );
    }

    #[test]
    fn real_jar_with_pom_licences() {
        // Debian's build of Error Prone's type annotations: pom.xml declares "Apache 2.0".
        let pkgs = JavaArchive
            .parse(
                "/usr/share/java/error-prone-type-annotations.jar",
                &fixture("error-prone-type-annotations-2.18.0.jar"),
            )
            .unwrap();
        assert_eq!(
            purls(&pkgs),
            ["pkg:maven/com.google.errorprone/error_prone_type_annotations@2.18.0"]
        );
        assert_eq!(pkgs[0].licenses, ["Apache-2.0"]);
    }

    #[test]
    fn pom_licences_by_name_url_or_as_written() {
        let xml = r#"<project><name>x</name>
            <licenses>
              <license><name>The Apache Software License, Version 2.0</name>
                <url>http://www.apache.org/licenses/LICENSE-2.0.txt</url></license>
              <license><name>Acme &amp; Sons Licence</name></license>
              <license><name>Eclipse Public License v2.0</name></license>
              <license><name>My Own</name><url>https://www.gnu.org/licenses/gpl-3.0.html</url></license>
              <license><url>https://opensource.org/licenses/MIT</url></license>
              <license><name><![CDATA[Apache 2.0]]></name></license>
            </licenses>
            <dependencies><dependency><licenses><license><name>Nope</name></license></licenses>
            </dependency></dependencies></project>"#;
        assert_eq!(
            pom_licenses(xml),
            [
                "Apache-2.0",
                "Acme & Sons Licence",
                "EPL-2.0",
                "GPL-3.0-only",
                "MIT"
            ]
        );
        assert!(pom_licenses("<project><name>no licences</name></project>").is_empty());
        assert!(pom_licenses("<licenses><license><name>cut").is_empty());
    }

    #[test]
    fn real_jar_with_manifest_only() {
        let pkgs = JavaArchive
            .parse(
                "/usr/share/java/javax.inject.jar",
                &fixture("javax.inject-1.jar"),
            )
            .unwrap();
        assert_eq!(purls(&pkgs), ["pkg:maven/javax.inject@1.0.0"]);
    }

    #[test]
    fn nested_war_and_spring_boot_jar() {
        let boot = zip(&[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\nImplementation-Title: demo\r\n\
                  Implementation-Version: 0.0.1\r\nImplementation-Vendor-Id: com.exa\r\n mple\r\n\
                  Bundle-License: Apache-2.0\r\n\r\n",
            ),
            (
                "BOOT-INF/lib/plexus.jar",
                &fixture("plexus-component-annotations-2.1.1.jar"),
            ),
        ]);
        let war = zip(&[
            (
                "WEB-INF/lib/javax.inject-1.jar",
                &fixture("javax.inject-1.jar"),
            ),
            ("WEB-INF/lib/boot.jar", &boot),
            ("WEB-INF/lib/broken.jar", b"not a zip"),
            ("WEB-INF/web.xml", b"<web-app/>"),
        ]);
        let pkgs = JavaArchive.parse("/srv/app.war", &war).unwrap();
        assert_eq!(
            purls(&pkgs),
            [
                "pkg:maven/javax.inject@1.0.0",
                "pkg:maven/com.example/demo@0.0.1",
                "pkg:maven/org.codehaus.plexus/plexus-component-annotations@2.1.1",
            ]
        );
        assert_eq!(pkgs[1].licenses, ["Apache-2.0"]);
    }

    #[test]
    fn several_pom_properties_in_a_shaded_jar() {
        let jar = zip(&[
            (
                "META-INF/maven/com.a/a/pom.properties",
                b"groupId=com.a\nartifactId=a\nversion=1\n",
            ),
            (
                "META-INF/maven/com.b/b/pom.properties",
                b"#comment\ngroupId = com.b\nartifactId = b\nversion = 2.0-SNAPSHOT\n",
            ),
            (
                "META-INF/maven/com.c/c/pom.properties",
                b"groupId=com.c\nartifactId=c\n",
            ),
        ]);
        let pkgs = JavaArchive.parse("/app/shaded.jar", &jar).unwrap();
        assert_eq!(
            purls(&pkgs),
            ["pkg:maven/com.a/a@1", "pkg:maven/com.b/b@2.0-SNAPSHOT"]
        );
    }

    #[test]
    fn zip_bombs_and_deep_nesting_stop_at_the_limits() {
        let small = Limits {
            depth: 2,
            entry: 4096,
            total: 64 << 10,
            entries: 16,
        };
        // Deep nesting: each level is one more jar; past the depth only the outer ones count.
        let mut jar = zip(&[(
            "META-INF/maven/g/l5/pom.properties",
            b"groupId=g\nartifactId=l5\nversion=1\n",
        )]);
        for level in (0..5).rev() {
            let pom = format!("groupId=g\nartifactId=l{level}\nversion=1\n");
            jar = zip(&[
                (
                    &format!("META-INF/maven/g/l{level}/pom.properties"),
                    pom.as_bytes(),
                ),
                ("lib/inner.jar", &jar),
            ]);
        }
        let limits = Limits {
            entry: 1 << 20,
            ..small
        };
        let pkgs = scan("/deep.jar", &jar, limits).unwrap();
        assert_eq!(
            purls(&pkgs),
            ["pkg:maven/g/l0@1", "pkg:maven/g/l1@1", "pkg:maven/g/l2@1"]
        );

        // An entry that inflates past the per-entry limit.
        let bomb = zip(&[("META-INF/maven/g/a/pom.properties", &vec![b'#'; 1 << 20])]);
        assert!(bomb.len() < 16 << 10);
        let err = scan("/bomb.jar", &bomb, small).unwrap_err();
        assert!(
            err.starts_with("/bomb.jar!/META-INF/maven/g/a/pom.properties: over the limit"),
            "{err}"
        );

        // Many small nested entries that together pass the total.
        let inner = zip(&[("META-INF/MANIFEST.MF", &vec![b'x'; 4000])]);
        let many: Vec<(String, Vec<u8>)> = (0..15)
            .map(|i| (format!("lib/{i}.jar"), inner.clone()))
            .collect();
        let entries: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let outer = zip(&entries);
        let limits = Limits {
            total: 20_000,
            ..small
        };
        assert!(
            scan("/many.jar", &outer, limits)
                .unwrap_err()
                .contains("over the limit")
        );

        // Too many entries.
        let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let err = scan("/wide.jar", &zip(&entries), small).unwrap_err();
        assert_eq!(err, "/wide.jar: 20 entries, over the limit of 16");
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = JavaArchive;
        assert!(c.wants("/opt/app/lib/x.JAR") && c.wants("/srv/a.war") && !c.wants("/a.zip"));
        assert!(
            c.parse("/a.jar", b"garbage")
                .unwrap_err()
                .starts_with("/a.jar: not a zip")
        );
        let jar = fixture("plexus-component-annotations-2.1.1.jar");
        for len in (0..jar.len()).step_by(7) {
            let _ = c.parse("/a.jar", &jar[..len]);
        }
        assert!(c.parse("/a.jar", &jar[..jar.len() - 10]).is_err());
    }
}
