//! Reading a new password: from a prompt without echo on a terminal, else one line of stdin.
//!
//! Never from a flag: command lines are visible to every local user in `ps`.

use std::io::{self, BufRead, IsTerminal};

use super::error::CliError;

/// Reads the new password: asked twice without echo when stdin is a terminal, otherwise the
/// first line of stdin (its line ending removed, nothing else). An empty password, two entries
/// that differ, or stdin at its end are refused.
pub fn read_new_password() -> Result<String, CliError> {
    if io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").map_err(CliError::Prompt)?;
        refuse_empty(&first)?;
        let second = rpassword::prompt_password("Repeat it: ").map_err(CliError::Prompt)?;
        if first != second {
            return Err(CliError::PasswordsDiffer);
        }
        Ok(first)
    } else {
        let password = first_line(io::stdin().lock())?;
        refuse_empty(&password)?;
        Ok(password)
    }
}

/// Returns the first line of `input` without its `\n` or `\r\n`.
fn first_line(mut input: impl BufRead) -> Result<String, CliError> {
    let mut line = String::new();
    let read = input.read_line(&mut line).map_err(CliError::Prompt)?;
    if read == 0 {
        return Err(CliError::NoPassword);
    }
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    Ok(line)
}

fn refuse_empty(password: &str) -> Result<(), CliError> {
    if password.is_empty() {
        Err(CliError::EmptyPassword)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_ending_is_removed_and_nothing_else() {
        for (input, expected) in [
            ("pw\n", "pw"),
            ("pw\r\n", "pw"),
            ("pw", "pw"),
            (" spaced pw \nsecond line\n", " spaced pw "),
        ] {
            let line = first_line(input.as_bytes()).expect("a line");
            assert_eq!(line, expected, "{input:?}");
        }
    }

    #[test]
    fn empty_input_and_an_empty_line_are_refused() {
        assert!(matches!(first_line(&b""[..]), Err(CliError::NoPassword)));
        let line = first_line(&b"\n"[..]).expect("a line");
        assert!(matches!(refuse_empty(&line), Err(CliError::EmptyPassword)));
    }
}
