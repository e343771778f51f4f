//! A table rendered two ways: aligned plain text for the terminal, Markdown for pasting.

/// How a column's cells line up in the text rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A header row and body rows of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns
                .iter()
                .map(|(header, align)| (header.to_string(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank and extra ones are dropped.
    pub fn push(&mut self, mut row: Vec<String>) {
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
    }

    /// The table as aligned text, columns two spaces apart, a rule under the header.
    pub fn to_text(&self) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, (header, _))| {
                self.rows
                    .iter()
                    .map(|row| row[index].chars().count())
                    .chain([header.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let render = |cells: Vec<&str>| {
            let line: Vec<String> = cells
                .iter()
                .zip(&self.columns)
                .zip(&widths)
                .map(|((cell, (_, align)), &width)| match align {
                    Align::Left => format!("{cell:<width$}"),
                    Align::Right => format!("{cell:>width$}"),
                })
                .collect();
            line.join("  ").trim_end().to_string()
        };
        let mut lines = vec![render(
            self.columns
                .iter()
                .map(|(header, _)| header.as_str())
                .collect(),
        )];
        lines.push(
            widths
                .iter()
                .map(|&width| "-".repeat(width))
                .collect::<Vec<_>>()
                .join("  "),
        );
        for row in &self.rows {
            lines.push(render(row.iter().map(String::as_str).collect()));
        }
        lines.join("\n")
    }

    /// The table as a Markdown (GitHub) table.
    pub fn to_markdown(&self) -> String {
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|(header, _)| markdown_cell(header))
            .collect();
        let rule: Vec<&str> = self
            .columns
            .iter()
            .map(|(_, align)| match align {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect();
        let mut lines = vec![
            format!("| {} |", header.join(" | ")),
            format!("| {} |", rule.join(" | ")),
        ];
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|cell| markdown_cell(cell)).collect();
            lines.push(format!("| {} |", cells.join(" | ")));
        }
        lines.join("\n")
    }
}

/// A cell's text made safe inside a Markdown table row.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(&[("name", Align::Left), ("rate", Align::Right)]);
        table.push(vec!["status".to_string(), "1,234".to_string()]);
        table.push(vec!["a|b".to_string()]);
        table
    }

    #[test]
    fn text_columns_are_aligned_under_a_rule() {
        assert_eq!(
            sample().to_text(),
            "name     rate\n------  -----\nstatus  1,234\na|b"
        );
    }

    #[test]
    fn markdown_right_aligns_numbers_and_escapes_pipes() {
        assert_eq!(
            sample().to_markdown(),
            "| name | rate |\n| --- | ---: |\n| status | 1,234 |\n| a\\|b |  |"
        );
    }

    #[test]
    fn newlines_cannot_break_a_markdown_row() {
        assert_eq!(markdown_cell("line 1\nline 2"), "line 1 line 2");
    }
}
