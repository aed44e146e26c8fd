//! Plain-text tables: columns as wide as their widest cell, two spaces
//! apart. The verifier's, the toolchains' and the torture scorecards use it;
//! the results table adds styling on the same widths.

/// Each column's width in characters.
pub fn widths<R: AsRef<[String]>>(rows: &[R]) -> Vec<usize> {
    let columns = rows.first().map_or(0, |r| r.as_ref().len());
    (0..columns)
        .map(|i| {
            rows.iter()
                .map(|r| r.as_ref()[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The rows left-aligned in columns, one line each.
pub fn aligned<R: AsRef<[String]>>(rows: &[R]) -> String {
    let widths = widths(rows);
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .as_ref()
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Levenshtein distance in characters: how many single-character edits
/// turn `a` into `b` (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(super::edit_distance("cpu-hsah", "cpu-hash"), 2);
        assert_eq!(super::edit_distance("go-nethtp", "go-nethttp"), 1);
        assert_eq!(super::edit_distance("", "abc"), 3);
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned(), "c".to_owned()],
            vec!["ddd".to_owned(), "e".to_owned(), String::new()],
        ];
        assert_eq!(super::aligned(&rows), "a    bb  c\nddd  e\n");
    }
}
