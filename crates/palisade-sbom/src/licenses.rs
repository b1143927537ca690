//! Telling SPDX licence identifiers and expressions from free-text licence names.

/// Common SPDX licence identifiers (the full list has ~600; these cover what packages declare
/// most). Anything else is written as a name, which every format accepts.
const SPDX_IDS: &[&str] = &[
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0",
    "Artistic-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.2",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MS-PL",
    "NCSA",
    "OFL-1.1",
    "OpenSSL",
    "PHP-3.01",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "WTFPL",
    "X11",
    "Zlib",
    "zlib-acknowledgement",
];

/// How a declared licence string should be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum License<'a> {
    Id(&'a str),
    Expression(&'a str),
    Name(&'a str),
}

pub(crate) fn classify(s: &str) -> License<'_> {
    let s = s.trim();
    if let Some(id) = SPDX_IDS.iter().find(|id| id.eq_ignore_ascii_case(s)) {
        return License::Id(id);
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let is_expression = words.len() >= 3
        && words.iter().any(|w| matches!(*w, "AND" | "OR" | "WITH"))
        && words.iter().all(|w| {
            let w = w.trim_matches(|c| c == '(' || c == ')');
            matches!(w, "AND" | "OR" | "WITH")
                || SPDX_IDS.contains(&w)
                || w.starts_with("LicenseRef-")
                || w.ends_with("-exception")
                || w.contains("exception")
        });
    if is_expression {
        License::Expression(s)
    } else {
        License::Name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("mit"), License::Id("MIT"));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0")
        );
        assert_eq!(classify("GPL-2+"), License::Name("GPL-2+"));
        assert_eq!(classify("BSD or MIT"), License::Name("BSD or MIT"));
    }
}
