//! Globs on slash-separated names (paths, image references, rule names).

/// `**` matches anything, `*` anything but `/`; everything else is literal.
///
/// ```
/// use palisade_core::glob::glob;
/// assert!(glob("/dev/shm/**", "/dev/shm/a/b"));
/// assert!(glob("registry.example.com/*", "registry.example.com/app"));
/// assert!(!glob("registry.example.com/*", "registry.example.com/team/app"));
/// ```
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(
        p: &[u8],
        t: &[u8],
        memo: &mut std::collections::HashMap<(usize, usize), bool>,
        pi: usize,
        ti: usize,
    ) -> bool {
        if let Some(&v) = memo.get(&(pi, ti)) {
            return v;
        }
        let result = if pi == p.len() {
            ti == t.len()
        } else if p[pi..].starts_with(b"**") {
            (ti..=t.len()).any(|k| go(p, t, memo, pi + 2, k))
        } else if p[pi] == b'*' {
            let mut k = ti;
            loop {
                if go(p, t, memo, pi + 1, k) {
                    break true;
                }
                if k == t.len() || t[k] == b'/' {
                    break false;
                }
                k += 1;
            }
        } else {
            ti < t.len() && p[pi] == t[ti] && go(p, t, memo, pi + 1, ti + 1)
        };
        memo.insert((pi, ti), result);
        result
    }
    go(
        pattern.as_bytes(),
        text.as_bytes(),
        &mut Default::default(),
        0,
        0,
    )
}
