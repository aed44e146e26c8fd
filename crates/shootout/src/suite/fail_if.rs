//! `--fail-if` conditions of `shootout compare`, in the style of k6's
//! thresholds: `METRIC[SCENARIO,CONTENDER] OP BOUND`, where OP is one of
//! `<`, `<=`, `>`, `>=`, BOUND is `F*base`, `base*F`, `base` or a plain
//! number, and SCENARIO or CONTENDER may be `*` (every one). For example
//!
//! ```text
//! requests_per_s[json,rust-axum] < 0.95*base
//! p99_ms[orders,*] > 1.10*base
//! ```
//!
//! A condition that holds for a cell (new value OP bound, base being the
//! base run's value) fails the comparison. A malformed one is an error
//! that points at the column where it went wrong.

use std::fmt;

use crate::suite::metric::MetricKey;

/// A malformed condition: what was expected, at which character.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--fail-if {text:?}: column {column}: {message}\n  {text}\n  {caret}")]
pub struct ParseError {
    pub text: String,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    caret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

/// The right-hand side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// factor × the base run's value.
    Base(f64),
    /// A number in the metric's unit.
    Value(f64),
}

/// One parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub text: String,
    pub metric: MetricKey,
    /// `None` for `*`.
    pub scenario: Option<String>,
    pub contender: Option<String>,
    pub op: Op,
    pub bound: Bound,
}

impl Condition {
    /// Whether it names (scenario, contender, metric).
    pub fn matches(&self, scenario: &str, contender: &str, metric: MetricKey) -> bool {
        self.metric == metric
            && self.scenario.as_deref().is_none_or(|s| s == scenario)
            && self.contender.as_deref().is_none_or(|c| c == contender)
    }

    /// The bound for a cell whose base value is `base`.
    pub fn bound_for(&self, base: f64) -> f64 {
        match self.bound {
            Bound::Base(f) => f * base,
            Bound::Value(v) => v,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        let column = self.at + 1;
        ParseError {
            text: self.text.to_owned(),
            column,
            message: message.into(),
            caret: format!("{}^", " ".repeat(self.at)),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|c| c.1)
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), ParseError> {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{c}` {what}{}", self.found())))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!(", found `{c}`"),
            None => ", found the end".into(),
        }
    }

    /// A run of name characters (letters, digits, `_`, `-`, `.`), or `*`.
    fn name(&mut self, what: &str) -> Result<(usize, String), ParseError> {
        self.skip_space();
        let start = self.at;
        if self.peek() == Some('*') {
            self.at += 1;
            return Ok((start, "*".into()));
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error(format!("expected {what}{}", self.found())));
        }
        Ok((start, self.slice(start, self.at)))
    }

    fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().map(|c| c.1).collect()
    }

    fn number(&mut self) -> Option<f64> {
        self.skip_space();
        let start = self.at;
        while self.peek().is_some_and(|c| {
            c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'
        }) {
            self.at += 1;
        }
        let n = self.slice(start, self.at).parse::<f64>().ok();
        if n.is_none() {
            self.at = start;
        }
        n.filter(|n| n.is_finite())
    }

    fn keyword_base(&mut self) -> bool {
        self.skip_space();
        if self.slice(self.at, (self.at + 4).min(self.chars.len())) == "base" {
            self.at += 4;
            true
        } else {
            false
        }
    }
}

/// Parses one condition.
pub fn parse(text: &str) -> Result<Condition, ParseError> {
    let mut p = Parser {
        text,
        chars: text.char_indices().collect(),
        at: 0,
    };
    let (start, name) = p.name("a metric name (e.g. p99_ms)")?;
    if name == "*" {
        p.at = start;
        return Err(p.error("the metric cannot be `*`: name one (e.g. p99_ms)"));
    }
    let metric: MetricKey = name
        .parse()
        .map_err(|e: crate::suite::metric::UnknownMetric| {
            p.at = start;
            p.error(e.to_string())
        })?;
    p.expect('[', "after the metric (METRIC[SCENARIO,CONTENDER])")?;
    let (_, scenario) = p.name("a scenario name or `*`")?;
    p.expect(',', "between the scenario and the contender")?;
    let (_, contender) = p.name("a contender name or `*`")?;
    p.expect(']', "after the contender")?;
    p.skip_space();
    let op = match p.peek() {
        Some('<') => Op::Lt,
        Some('>') => Op::Gt,
        _ => return Err(p.error(format!("expected <, <=, > or >={}", p.found()))),
    };
    p.at += 1;
    let op = match (op, p.peek()) {
        (Op::Lt, Some('=')) => {
            p.at += 1;
            Op::Le
        }
        (Op::Gt, Some('=')) => {
            p.at += 1;
            Op::Ge
        }
        (op, _) => op,
    };
    p.skip_space();
    let bound = if p.keyword_base() {
        p.skip_space();
        if p.peek() == Some('*') {
            p.at += 1;
            match p.number() {
                Some(f) => Bound::Base(f),
                None => {
                    return Err(p.error(format!("expected a number after `base*`{}", p.found())));
                }
            }
        } else {
            Bound::Base(1.0)
        }
    } else {
        let Some(n) = p.number() else {
            return Err(p.error(format!(
                "expected a number, `F*base` or `base` after `{op}`{}",
                p.found()
            )));
        };
        p.skip_space();
        if p.peek() == Some('*') {
            p.at += 1;
            if !p.keyword_base() {
                return Err(p.error(format!("expected `base` after `{n}*`{}", p.found())));
            }
            Bound::Base(n)
        } else {
            Bound::Value(n)
        }
    };
    p.skip_space();
    if p.peek().is_some() {
        return Err(p.error(format!(
            "unexpected `{}` after the bound",
            p.peek().unwrap_or(' ')
        )));
    }
    let any = |s: String| (s != "*").then_some(s);
    Ok(Condition {
        text: text.trim().to_owned(),
        metric,
        scenario: any(scenario),
        contender: any(contender),
        op,
        bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::metric::Metric;

    #[test]
    fn the_k6_style_forms_parse() {
        let c = parse("requests_per_s[json,rust-axum] < 0.95*base").unwrap();
        assert_eq!(c.metric, MetricKey::of(Metric::RequestsPerS));
        assert_eq!(c.scenario.as_deref(), Some("json"));
        assert_eq!(c.contender.as_deref(), Some("rust-axum"));
        assert_eq!((c.op, c.bound), (Op::Lt, Bound::Base(0.95)));
        let c = parse(" p99_ms[orders,*]>=base * 1.1 ").unwrap();
        assert_eq!(
            (c.contender, c.op, c.bound),
            (None, Op::Ge, Bound::Base(1.1))
        );
        let c = parse("errors[*,*] > 0").unwrap();
        assert_eq!(c.bound, Bound::Value(0.0));
        assert!(c.matches("x", "y", MetricKey::of(Metric::Errors)));
        let c = parse("requests_per_s_c1000[io,go] <= base").unwrap();
        assert_eq!(c.metric, MetricKey::at(Metric::RequestsPerS, 1000));
    }

    #[test]
    fn a_bad_expression_names_its_column() {
        let e = parse("p99_ms[orders,*] >> 1.10*base").unwrap_err();
        assert_eq!(e.column, 19, "{e}");
        assert!(
            e.to_string()
                .contains("expected a number, `F*base` or `base` after `>`"),
            "{e}"
        );
        assert!(e.to_string().contains("\n                    ^"), "{e}");
        let e = parse("p99_msec[orders,*] > base").unwrap_err();
        assert_eq!(e.column, 1);
        assert!(e.message.contains("did you mean"), "{e}");
        let e = parse("p99_ms(orders,*) > base").unwrap_err();
        assert_eq!(e.column, 7, "{e}");
        let e = parse("p99_ms[orders *] > base").unwrap_err();
        assert!(e.message.contains("expected `,`"), "{e}");
        let e = parse("p99_ms[orders,*] > 1.1*bse").unwrap_err();
        assert_eq!(e.column, 24, "{e}");
        let e = parse("p99_ms[orders,*] > base junk").unwrap_err();
        assert!(e.message.contains("unexpected `j`"), "{e}");
    }
}
