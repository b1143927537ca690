//! Licences: the one place that knows SPDX (through the `spdx` crate, the licence list and
//! expression parser cargo-deny uses). Names as packages declare them ("Apache License,
//! Version 2.0", a URL, "GPLv3") become SPDX identifiers where the meaning is unambiguous, so
//! that licence policy can compare identifiers; anything else is kept as written.
//!
//! ```
//! use palisade_core::license::{License, classify, identifiers, normalize};
//!
//! assert_eq!(normalize("The Apache Software License, Version 2.0"), "Apache-2.0");
//! assert_eq!(normalize("https://opensource.org/licenses/MIT"), "MIT");
//! assert_eq!(normalize("GNU General Public License v3.0 or later"), "GPL-3.0-or-later");
//! assert_eq!(normalize("Some Custom Licence"), "Some Custom Licence");
//! assert_eq!(classify("mit"), License::Id("MIT"));
//! assert_eq!(identifiers("(MIT OR Apache-2.0) AND Zlib"), ["MIT", "Apache-2.0", "Zlib"]);
//! ```

/// How a declared licence is written in an SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum License<'a> {
    /// One identifier of the SPDX licence list, spelled as the list spells it.
    Id(&'static str),
    /// A valid SPDX licence expression, as declared.
    Expression(&'a str),
    /// Anything else: a free-text name.
    Name(&'a str),
}

/// The SPDX licence list's identifier for `s`, matched without regard to case (`mit` → `MIT`).
pub fn spdx_id(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if let Some(id) = spdx::license_id(s).filter(|id| id.name == s) {
        return Some(id.name);
    }
    spdx::identifiers::LICENSES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(s))
        .map(|l| l.name)
}

/// Whether a declared licence is an SPDX identifier, an SPDX expression or a name.
pub fn classify(s: &str) -> License<'_> {
    let s = s.trim();
    if let Some(id) = spdx_id(s) {
        return License::Id(id);
    }
    let mode = spdx::ParseMode {
        allow_deprecated: true,
        ..spdx::ParseMode::STRICT
    };
    if !s.is_empty() && spdx::Expression::parse_mode(s, mode).is_ok() {
        License::Expression(s)
    } else {
        License::Name(s)
    }
}

/// The licences an expression names (`GPL-2.0-or-later OR MIT` → both, exceptions left out);
/// what is not an expression is one licence.
pub fn identifiers(license: &str) -> Vec<&str> {
    let mode = spdx::ParseMode {
        allow_slash_as_or_operator: true,
        allow_imprecise_license_names: false,
        allow_postfix_plus_on_gpl: true,
        allow_deprecated: true,
        allow_unknown: true,
    };
    let mut out = Vec::new();
    for token in spdx::lexer::Lexer::new_mode(license, mode) {
        let Ok(token) = token else {
            return vec![license.trim()];
        };
        match token.token {
            spdx::lexer::Token::Spdx(_)
            | spdx::lexer::Token::LicenseRef { .. }
            | spdx::lexer::Token::Unknown(_) => out.push(&license[token.span]),
            _ => {}
        }
    }
    if out.is_empty() {
        out.push(license.trim());
    }
    out
}

/// Known names (lower case, spaces collapsed, a leading "the " dropped) and their identifiers.
const NAMES: &[(&str, &str)] = &[
    ("apache 2", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license, version 2.0", "Apache-2.0"),
    ("apache software license - version 2.0", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("apache public license 2.0", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("asf 2.0", "Apache-2.0"),
    ("al 2.0", "Apache-2.0"),
    ("apache license, version 1.1", "Apache-1.1"),
    ("apache software license, version 1.1", "Apache-1.1"),
    ("mit", "MIT"),
    ("mit license", "MIT"),
    ("the mit license (mit)", "MIT"),
    ("mit license (mit)", "MIT"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("bsd 2-clause license", "BSD-2-Clause"),
    ("simplified bsd license", "BSD-2-Clause"),
    ("freebsd license", "BSD-2-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd 3-clause license", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("revised bsd license", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("bsd license 3", "BSD-3-Clause"),
    ("eclipse public license 1.0", "EPL-1.0"),
    ("eclipse public license - v 1.0", "EPL-1.0"),
    ("eclipse public license v1.0", "EPL-1.0"),
    ("epl 1.0", "EPL-1.0"),
    ("eclipse public license 2.0", "EPL-2.0"),
    ("eclipse public license - v 2.0", "EPL-2.0"),
    ("eclipse public license v2.0", "EPL-2.0"),
    ("epl 2.0", "EPL-2.0"),
    ("eclipse distribution license - v 1.0", "BSD-3-Clause"),
    ("mozilla public license 2.0", "MPL-2.0"),
    ("mozilla public license, version 2.0", "MPL-2.0"),
    ("mpl 2.0", "MPL-2.0"),
    ("mozilla public license 1.1", "MPL-1.1"),
    ("mpl 1.1", "MPL-1.1"),
    ("cddl 1.0", "CDDL-1.0"),
    ("cddl 1.1", "CDDL-1.1"),
    (
        "common development and distribution license (cddl) v1.0",
        "CDDL-1.0",
    ),
    (
        "common development and distribution license 1.0",
        "CDDL-1.0",
    ),
    (
        "common development and distribution license 1.1",
        "CDDL-1.1",
    ),
    ("gnu general public license, version 2", "GPL-2.0-only"),
    ("gnu general public license v2.0", "GPL-2.0-only"),
    ("gnu general public license v2.0 only", "GPL-2.0-only"),
    (
        "gnu general public license v2.0 or later",
        "GPL-2.0-or-later",
    ),
    ("gplv2", "GPL-2.0-only"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl v2", "GPL-2.0-only"),
    ("gpl2", "GPL-2.0-only"),
    ("gplv2+", "GPL-2.0-or-later"),
    ("gpl-2+", "GPL-2.0-or-later"),
    ("gnu general public license, version 3", "GPL-3.0-only"),
    ("gnu general public license v3.0", "GPL-3.0-only"),
    ("gnu general public license v3.0 only", "GPL-3.0-only"),
    (
        "gnu general public license v3.0 or later",
        "GPL-3.0-or-later",
    ),
    ("gnu general public license version 3", "GPL-3.0-only"),
    ("gplv3", "GPL-3.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("gpl v3", "GPL-3.0-only"),
    ("gpl3", "GPL-3.0-only"),
    ("gplv3+", "GPL-3.0-or-later"),
    ("gpl-3+", "GPL-3.0-or-later"),
    ("gnu affero general public license v3.0", "AGPL-3.0-only"),
    ("agplv3", "AGPL-3.0-only"),
    ("agpl-3.0", "AGPL-3.0-only"),
    (
        "gnu lesser general public license, version 2.1",
        "LGPL-2.1-only",
    ),
    ("gnu lesser general public license v2.1", "LGPL-2.1-only"),
    (
        "gnu lesser general public license v2.1 or later",
        "LGPL-2.1-or-later",
    ),
    ("lgpl 2.1", "LGPL-2.1-only"),
    ("lgpl-2.1", "LGPL-2.1-only"),
    ("lgplv2.1", "LGPL-2.1-only"),
    (
        "gnu lesser general public license, version 3",
        "LGPL-3.0-only",
    ),
    ("gnu lesser general public license v3.0", "LGPL-3.0-only"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("lgplv3", "LGPL-3.0-only"),
    ("isc license", "ISC"),
    ("isc", "ISC"),
    ("the unlicense", "Unlicense"),
    ("unlicense", "Unlicense"),
    ("cc0", "CC0-1.0"),
    ("cc0 1.0 universal", "CC0-1.0"),
    ("public domain, per creative commons cc0", "CC0-1.0"),
    ("zlib license", "Zlib"),
    ("boost software license 1.0", "BSL-1.0"),
    ("python software foundation license", "PSF-2.0"),
    // Debian's short names (DEP-5 `License:` fields).
    ("gpl-1", "GPL-1.0-only"),
    ("gpl-1+", "GPL-1.0-or-later"),
    ("gpl-2", "GPL-2.0-only"),
    ("gpl-3", "GPL-3.0-only"),
    ("lgpl-2", "LGPL-2.0-only"),
    ("lgpl-2+", "LGPL-2.0-or-later"),
    ("lgpl-2.1+", "LGPL-2.1-or-later"),
    ("lgpl-3", "LGPL-3.0-only"),
    ("lgpl-3+", "LGPL-3.0-or-later"),
    ("agpl-3", "AGPL-3.0-only"),
    ("agpl-3+", "AGPL-3.0-or-later"),
    ("gfdl-1.2", "GFDL-1.2-only"),
    ("gfdl-1.2+", "GFDL-1.2-or-later"),
    ("gfdl-1.3", "GFDL-1.3-only"),
    ("gfdl-1.3+", "GFDL-1.3-or-later"),
    ("expat", "MIT"),
    ("apache-2", "Apache-2.0"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("bsd-4-clause", "BSD-4-Clause"),
    ("zlib", "Zlib"),
    ("mpl-1.1", "MPL-1.1"),
    ("mpl-2.0", "MPL-2.0"),
    ("cc0-1.0", "CC0-1.0"),
    ("psf-2", "PSF-2.0"),
    ("bsl-1.0", "BSL-1.0"),
];

/// Licence URLs (scheme and `www.` dropped, lower case, no trailing `.txt`, `.html`, `.php` or
/// `/`) and their identifiers.
const URLS: &[(&str, &str)] = &[
    ("apache.org/licenses/license-2.0", "Apache-2.0"),
    ("opensource.org/licenses/apache-2.0", "Apache-2.0"),
    ("opensource.org/licenses/mit", "MIT"),
    ("opensource.org/licenses/mit-license", "MIT"),
    ("opensource.org/licenses/bsd-2-clause", "BSD-2-Clause"),
    ("opensource.org/licenses/bsd-3-clause", "BSD-3-Clause"),
    ("opensource.org/licenses/bsd-license", "BSD-3-Clause"),
    ("eclipse.org/legal/epl-v10", "EPL-1.0"),
    ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
    ("eclipse.org/org/documents/edl-v10", "BSD-3-Clause"),
    ("mozilla.org/mpl/2.0", "MPL-2.0"),
    ("gnu.org/licenses/gpl-2.0", "GPL-2.0-only"),
    ("gnu.org/licenses/old-licenses/gpl-2.0", "GPL-2.0-only"),
    ("gnu.org/licenses/gpl-3.0", "GPL-3.0-only"),
    ("gnu.org/licenses/gpl", "GPL-3.0-only"),
    ("gnu.org/licenses/agpl-3.0", "AGPL-3.0-only"),
    ("gnu.org/licenses/old-licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/lgpl-3.0", "LGPL-3.0-only"),
    ("gnu.org/licenses/lgpl", "LGPL-3.0-only"),
    ("creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
];

/// The SPDX identifier for a declared licence name or URL, or the name itself (trimmed) when
/// it is not one this knows.
pub fn normalize(declared: &str) -> String {
    let trimmed = declared.trim();
    let lower = trimmed.to_ascii_lowercase();
    if let Some(url) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        let url = url.strip_prefix("www.").unwrap_or(url);
        let mut url = url.trim_end_matches('/');
        for ext in [".txt", ".html", ".htm", ".php"] {
            url = url.strip_suffix(ext).unwrap_or(url);
        }
        if let Some((_, id)) = URLS.iter().find(|(u, _)| *u == url) {
            return (*id).to_owned();
        }
        return trimmed.to_owned();
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let mut key = words.join(" ");
    if let Some(rest) = key.strip_prefix("the ") {
        key = rest.to_owned();
    }
    match NAMES.iter().find(|(n, _)| *n == key) {
        Some((_, id)) => (*id).to_owned(),
        None => spdx_id(trimmed).map_or_else(|| trimmed.to_owned(), str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("mit"), License::Id("MIT"));
        assert_eq!(classify("0bsd"), License::Id("0BSD"));
        assert_eq!(classify("SSPL-1.0"), License::Id("SSPL-1.0"));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0")
        );
        assert_eq!(
            classify("Apache-2.0 WITH LLVM-exception"),
            License::Expression("Apache-2.0 WITH LLVM-exception")
        );
        assert_eq!(classify("GPL-2+"), License::Name("GPL-2+"));
        assert_eq!(classify("BSD or MIT"), License::Name("BSD or MIT"));
        assert_eq!(classify(""), License::Name(""));
    }

    #[test]
    fn identifiers_of_expressions() {
        assert_eq!(
            identifiers("GPL-2.0-or-later OR MIT"),
            ["GPL-2.0-or-later", "MIT"]
        );
        assert_eq!(identifiers("MIT/Apache-2.0"), ["MIT", "Apache-2.0"]);
        assert_eq!(
            identifiers("Apache-2.0 WITH LLVM-exception"),
            ["Apache-2.0"]
        );
        assert_eq!(identifiers("GPL-3.0"), ["GPL-3.0"]);
        assert_eq!(identifiers("Some Licence"), ["Some", "Licence"]);
    }

    #[test]
    fn names_and_urls_become_identifiers() {
        for (declared, id) in [
            ("Apache 2.0", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("  The  Apache Software License, Version 2.0 ", "Apache-2.0"),
            (
                "http://www.apache.org/licenses/LICENSE-2.0.txt",
                "Apache-2.0",
            ),
            ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
            ("The MIT License", "MIT"),
            ("Eclipse Public License - v 1.0", "EPL-1.0"),
            ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only"),
            ("GPLv3", "GPL-3.0-only"),
            (
                "GNU Lesser General Public License v2.1 or later",
                "LGPL-2.1-or-later",
            ),
            ("New BSD License", "BSD-3-Clause"),
            ("GPL-2+", "GPL-2.0-or-later"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("Expat", "MIT"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("sspl-1.0", "SSPL-1.0"),
        ] {
            assert_eq!(normalize(declared), id, "{declared}");
        }
    }

    #[test]
    fn unknown_and_ambiguous_names_are_kept() {
        // "BSD" and "GPL" alone do not say which version: left for people to read.
        for declared in [
            "BSD",
            "GPL",
            "Proprietary",
            "https://example.com/license",
            "Apache",
        ] {
            assert_eq!(normalize(declared), declared);
        }
        assert_eq!(normalize("  Custom  "), "Custom");
    }
}
