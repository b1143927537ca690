//! One table layout for every report people read: columns separated by two spaces, each as
//! wide as its widest cell (counted in characters), the last column never padded, trailing
//! spaces trimmed. Cells of any length are fine (padding is written out, not formatted with a
//! width, which is limited to 65,535).
//!
//! ```
//! let text = palisade_core::table::columns(&["NAME", "VERSION"], &[vec!["bash".into(), "5.2".into()]]);
//! assert_eq!(text, "NAME  VERSION\nbash  5.2\n");
//! ```

/// Lays out a header and rows.
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let n = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(n),
                None => widths.push(n),
            }
        }
    }
    let mut out = String::new();
    line(&mut out, header.iter().copied(), &widths);
    for row in rows {
        line(&mut out, row.iter().map(String::as_str), &widths);
    }
    out
}

fn line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    let start = out.len();
    for (i, (cell, w)) in cells.zip(widths).enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        out.push_str(cell);
        if i + 1 < widths.len() {
            let pad = w.saturating_sub(cell.chars().count());
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let trimmed = out[start..].trim_end().len();
    out.truncate(start + trimmed);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_14_aligns_by_characters_and_takes_cells_of_any_length() {
        let rows = vec![
            vec!["é".to_owned(), "1".to_owned(), "x".to_owned()],
            vec!["long".to_owned(), "22".to_owned(), "y".to_owned()],
        ];
        assert_eq!(
            columns(&["A", "B", "C"], &rows),
            "A     B   C\né     1   x\nlong  22  y\n"
        );
        let huge = "p".repeat(70_000);
        let text = columns(&["NAME", "V"], &[vec![huge.clone(), "1".into()]]);
        assert!(text.contains(&format!("{huge}  1")));
    }
}
