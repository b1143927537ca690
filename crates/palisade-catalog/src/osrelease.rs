//! `/etc/os-release`: which distribution and release an image is built on.

use palisade_core::Distro;

pub(crate) fn wants(path: &str) -> bool {
    path == "/etc/os-release" || path == "/usr/lib/os-release"
}

/// Parses the shell-style `KEY=value` lines of os-release(5).
pub(crate) fn parse(text: &str) -> Option<Distro> {
    let mut distro = Distro::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').trim_matches('\'').to_owned();
        match key.trim() {
            "ID" => distro.id = value,
            "VERSION_ID" => distro.version_id = value,
            "VERSION_CODENAME" => distro.codename = Some(value),
            "PRETTY_NAME" => distro.pretty_name = Some(value),
            _ => {}
        }
    }
    (!distro.id.is_empty()).then_some(distro)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian() {
        let d = parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
             VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        )
        .unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id, "12");
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert!(parse("garbage").is_none());
    }
}
