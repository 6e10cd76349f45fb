//! The terminal tables, all built here: comfy-table sizes each column to its widest cell
//! (measured in display width, so `→`, `ρ` or a wide character take what they show), labels
//! left, numbers right, two spaces between columns, no borders and no styling.
//!
//! The same inputs give the same bytes on any terminal: the content arrangement is
//! `Disabled` (nothing wraps) and comfy-table is built without its `tty` feature, so it never
//! asks the terminal for its width and never writes an escape sequence. Cells are
//! [`clean`](crate::text::clean)ed as they go in, so the widths are those of the text that
//! prints (an escaped control character or a scrubbed address is measured as shown);
//! `outln!` cleans the lines again, which changes nothing (cleaning is idempotent).

use comfy_table::{Cell, CellAlignment, ContentArrangement, presets};

/// How a column lines up: labels left, numbers right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

pub(crate) use Align::{Left, Right};

/// Spaces between two columns.
const GAP: u16 = 2;

/// One table: an optional header, rows of cells, each column aligned as given.
pub(crate) struct Table {
    t: comfy_table::Table,
    indent: String,
    aligns: Vec<Align>,
}

impl Table {
    /// A table whose lines start with `indent` spaces, its columns aligned as `aligns` says
    /// (a column past the end of `aligns` is left-aligned).
    pub(crate) fn new(indent: usize, aligns: &[Align]) -> Table {
        let mut t = comfy_table::Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        Table {
            t,
            indent: " ".repeat(indent),
            aligns: aligns.to_vec(),
        }
    }

    /// The header: the first line, aligned like its column.
    pub(crate) fn header<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        let row = self.cells(cells, None);
        self.t.set_header(row);
        self
    }

    /// A row, each cell aligned like its column.
    pub(crate) fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let row = self.cells(cells, None);
        self.t.add_row(row);
        self
    }

    /// A row whose every cell is left-aligned, whatever its column: a line of labels, each
    /// over the group of columns it starts.
    pub(crate) fn left_row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        let row = self.cells(cells, Some(Left));
        self.t.add_row(row);
        self
    }

    fn cells<S: AsRef<str>>(
        &self,
        cells: impl IntoIterator<Item = S>,
        align: Option<Align>,
    ) -> Vec<Cell> {
        cells
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let a = align.unwrap_or(self.aligns.get(i).copied().unwrap_or(Left));
                Cell::new(crate::text::clean(s.as_ref())).set_alignment(match a {
                    Left => CellAlignment::Left,
                    Right => CellAlignment::Right,
                })
            })
            .collect()
    }

    /// The lines as they print: the header first (when there is one), then one line a row,
    /// each indented and without trailing spaces.
    pub(crate) fn lines(mut self) -> Vec<String> {
        for (i, c) in self.t.column_iter_mut().enumerate() {
            c.set_padding((if i == 0 { 0 } else { GAP }, 0));
        }
        self.t
            .lines()
            .map(|l| format!("{}{}", self.indent, l.trim_end()))
            .collect()
    }

    /// Prints the table through `outln!`.
    pub(crate) fn print(self) {
        for line in self.lines() {
            crate::outln!("{line}");
        }
    }
}

/// How `--order auto` chose, for every command that shows it: a line naming the choice and
/// the rule, then each order's held-out scores (mean ± sd over the folds), the chosen one
/// starred.
pub(crate) fn order_choice(
    label: &str,
    c: &crate::pipeline::attribute::holdout::OrderChoice,
) -> Vec<String> {
    use crate::pipeline::attribute::holdout::Unit;
    let unit = match c.unit {
        Unit::Accounts => "accounts",
        Unit::Paths => "paths",
    };
    let mut lines = vec![format!(
        "{label}: order {} chosen by {}-fold cross-validation over {unit} (held-out log-likelihood per outcome, higher is better; a tie goes to the smaller order):",
        c.chosen, c.folds
    )];
    let mut tb = Table::new(2, &[Left, Right, Right, Right, Right]);
    tb.header(["order", "log-likelihood", "sd", "AUC", "sd"]);
    let stat = |s: &Option<crate::pipeline::attribute::holdout::Stat>| match s {
        Some(s) => (format!("{:.5}", s.mean), format!("{:.5}", s.sd)),
        None => ("-".to_string(), "-".to_string()),
    };
    for s in &c.scores {
        let (ll, ll_sd) = stat(&s.log_likelihood);
        let (auc, auc_sd) = stat(&s.auc);
        let mark = if s.order == c.chosen { " *" } else { "" };
        tb.row([format!("{}{mark}", s.order), ll, ll_sd, auc, auc_sd]);
    }
    lines.extend(tb.lines());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_content() {
        let mut t = Table::new(2, &[Left, Right, Right]);
        t.header(["Partner", "Pipeline", "share"]);
        t.row(["Nimbus Cloud", "USD 3,885,696.33", "54.0%"]);
        t.row(["Q", "USD 0.00", "—"]);
        assert_eq!(
            t.lines(),
            [
                "  Partner               Pipeline  share",
                "  Nimbus Cloud  USD 3,885,696.33  54.0%",
                "  Q                     USD 0.00      —",
            ]
        );
    }

    #[test]
    fn no_header_no_indent_and_empty_cells() {
        let mut t = Table::new(0, &[Right, Left, Left]);
        t.row(["1", "open", "a"]);
        t.row(["12", "", "b"]);
        assert_eq!(t.lines(), [" 1  open  a", "12        b"]);
    }

    #[test]
    fn a_label_row_is_left_aligned_over_its_columns() {
        let mut t = Table::new(0, &[Left, Right, Right]);
        t.left_row(["", "linear"]);
        t.row(["channel", "conversions", "value"]);
        t.row(["a", "1.000000", "83.33"]);
        assert_eq!(
            t.lines(),
            [
                "         linear",
                "channel  conversions  value",
                "a           1.000000  83.33",
            ]
        );
    }

    #[test]
    fn cells_are_cleaned_and_measured_as_they_print() {
        let mut t = Table::new(0, &[Left, Right]);
        t.row(["a\u{1b}[2Jb", "1"]);
        t.row(["ann@acme.io", "22"]);
        t.row(["日本", "3"]);
        assert_eq!(
            t.lines(),
            ["a\\x1b[2Jb   1", "<e-mail>   22", "日本        3",]
        );
    }

    #[test]
    fn nothing_wraps_however_wide() {
        let long = "x".repeat(500);
        let mut t = Table::new(0, &[Left, Right]);
        t.row([long.as_str(), "1"]);
        assert_eq!(t.lines(), [format!("{long}  1")]);
    }
}
