//! Terminal styling: bold winners, coloured verdicts, only when stdout is a
//! terminal and `NO_COLOR` is unset (https://no-color.org).

use std::io::IsTerminal;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub fn plain() -> Self {
        Self { color: false }
    }

    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }

    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }

    pub fn warn(&self, s: &str) -> String {
        self.wrap("33", s)
    }

    pub fn good(&self, s: &str) -> String {
        self.wrap("1;32", s)
    }

    pub fn bad(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_style_adds_nothing() {
        assert_eq!(Style::plain().bold("x"), "x");
        assert_eq!(Style { color: true }.bold("x"), "\x1b[1mx\x1b[0m");
    }
}
