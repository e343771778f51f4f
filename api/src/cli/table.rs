//! Plain text tables for the listing commands: columns padded to their widest cell.

/// A table of text cells with a header row.
pub struct Table<const N: usize> {
    rows: Vec<[String; N]>,
}

impl<const N: usize> Table<N> {
    /// Starts a table with these column titles.
    pub fn new(header: [&str; N]) -> Self {
        Table {
            rows: vec![header.map(str::to_string)],
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: [String; N]) {
        self.rows.push(cells);
    }

    /// Returns the table, one line per row, columns separated by two spaces, no trailing
    /// spaces.
    pub fn render(&self) -> String {
        let mut widths = [0usize; N];
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut text = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
                if index > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let padding = width.saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', padding));
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_on_their_widest_cell() {
        let mut table = Table::new(["ID", "EMAIL"]);
        table.row(["1".into(), "bob@hbtn.io".into()]);
        table.row(["12345".into(), String::new()]);
        assert_eq!(table.render(), "ID     EMAIL\n1      bob@hbtn.io\n12345\n");
    }
}
