//! Globs on slash-separated names (paths, image references, rule names).

/// `**` matches anything, `*` anything but `/`; everything else is literal.
///
/// Runs in time proportional to pattern length × text length, with memory proportional to the
/// pattern, whatever the input: the text may come from the network.
///
/// ```
/// use palisade_core::glob::glob;
/// assert!(glob("/dev/shm/**", "/dev/shm/a/b"));
/// assert!(glob("registry.example.com/*", "registry.example.com/app"));
/// assert!(!glob("registry.example.com/*", "registry.example.com/team/app"));
/// ```
pub fn glob(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Lit(u8),
        /// `*`: any run of bytes but `/`.
        Seg,
        /// `**`: any run of bytes.
        Any,
    }
    let p = pattern.as_bytes();
    let mut toks = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i..].starts_with(b"**") {
            toks.push(Tok::Any);
            i += 2;
        } else if p[i] == b'*' {
            toks.push(Tok::Seg);
            i += 1;
        } else {
            toks.push(Tok::Lit(p[i]));
            i += 1;
        }
    }
    // The set of pattern positions reached (an NFA simulation), closed over empty stars.
    let close = |set: &mut [bool]| {
        for k in 0..toks.len() {
            if set[k] && !matches!(toks[k], Tok::Lit(_)) {
                set[k + 1] = true;
            }
        }
    };
    let mut cur = vec![false; toks.len() + 1];
    let mut next = vec![false; toks.len() + 1];
    cur[0] = true;
    close(&mut cur);
    for &c in text.as_bytes() {
        next.iter_mut().for_each(|s| *s = false);
        let mut any = false;
        for k in 0..toks.len() {
            if !cur[k] {
                continue;
            }
            match toks[k] {
                Tok::Lit(b) if b == c => next[k + 1] = true,
                Tok::Lit(_) => continue,
                Tok::Seg if c == b'/' => continue,
                Tok::Seg | Tok::Any => next[k] = true,
            }
            any = true;
        }
        if !any {
            return false;
        }
        close(&mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    cur[toks.len()]
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn stars_and_double_stars() {
        assert!(glob("**", ""));
        assert!(glob("*", "abc"));
        assert!(!glob("*", "a/b"));
        assert!(glob("a/**/z", "a/b/c/z"));
        assert!(glob("a/**z", "a/z"));
        assert!(glob("**/busybox*", "docker.io/library/busybox"));
        assert!(glob("Terminal shell *", "Terminal shell in container"));
        assert!(!glob("abc", "ab"));
        assert!(!glob("ab", "abc"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXbY/c"));
    }

    #[test]
    fn long_hostile_text_is_linear() {
        let text = "a".repeat(1 << 20);
        let start = std::time::Instant::now();
        assert!(!glob("**a**a**a**a**b", &text));
        assert!(!glob("*a*a*a*a*b", &text));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
