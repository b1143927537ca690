//! Package URLs (<https://github.com/package-url/purl-spec>).

use std::fmt::Write;

/// Builds a package URL from its parts, percent-encoding each as the spec asks.
///
/// ```
/// let purl = palisade_core::purl::build("deb", Some("debian"), "bash", "5.2.15-2+b7",
///     &[("arch", "amd64"), ("distro", "debian-12")]);
/// assert_eq!(purl, "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12");
/// ```
pub fn build(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut out = format!("pkg:{kind}/");
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        for (i, segment) in ns.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            encode_into(&mut out, segment);
        }
        out.push('/');
    }
    encode_into(&mut out, name);
    if !version.is_empty() {
        out.push('@');
        encode_into(&mut out, version);
    }
    let mut qualifiers: Vec<_> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    qualifiers.sort();
    for (i, (k, v)) in qualifiers.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_scoped_npm_and_maven() {
        assert_eq!(
            build("npm", Some("@babel"), "core", "7.0.0", &[]),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            build(
                "maven",
                Some("org.apache.logging.log4j"),
                "log4j-core",
                "2.14.1",
                &[]
            ),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            build("golang", Some("github.com/foo"), "bar", "v1.0.0", &[]),
            "pkg:golang/github.com/foo/bar@v1.0.0"
        );
    }
}
