//! Request mixes: weighted templates with placeholders, and the checks that
//! verify a sample of responses while the load runs.
//!
//! Placeholders in a template's path or body: `{seed}` (random u32), `{n}`
//! (random in the template's range), `{token}` (random `[A-Za-z0-9_-]{12}`),
//! `{id}` (an id captured from an earlier response of this worker).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::rng::Rng;

pub use crate::contract::checks::{BodyFn, Check, Vars};

/// Where a template's body comes from.
#[derive(Clone, Default)]
pub enum Body {
    #[default]
    None,
    /// The same bytes every time (`--body FILE`).
    Static(Vec<u8>),
    /// Text with placeholders.
    Template(String),
    /// Built per request, e.g. a random valid order.
    Generated(BodyFn),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::None => write!(f, "None"),
            Body::Static(b) => write!(f, "Static({} bytes)", b.len()),
            Body::Template(t) => write!(f, "Template({t:?})"),
            Body::Generated(_) => write!(f, "Generated"),
        }
    }
}

/// One kind of request in a mix.
#[derive(Clone)]
pub struct Template {
    /// A short name for reports, e.g. `POST /orders`.
    pub name: String,
    pub weight: u32,
    pub method: String,
    /// Path and query, possibly with placeholders.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Range of `{n}`, inclusive.
    pub n_range: (u32, u32),
    /// Checks a sample of responses.
    pub check: Option<Check>,
    /// Captures `"id"` from 2xx JSON replies for later `{id}` placeholders.
    pub capture_id: bool,
    /// Keeps every acknowledged creation (2xx with an id), warm-up included,
    /// for the database audit.
    pub acks: Option<Arc<AckLog>>,
}

/// What a service acknowledged: every request sent by a template that
/// creates something, and for each 2xx its id and the body that was sent.
/// The database audit compares it with the rows afterwards.
#[derive(Debug, Default)]
pub struct AckLog {
    sent: AtomicU64,
    declined: AtomicU64,
    acked: Mutex<Vec<(String, Vec<u8>)>>,
}

impl AckLog {
    pub(crate) fn sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an answer: `id` is the id of a 2xx reply (an
    /// acknowledgement), `None` for any other answer.
    pub(crate) fn answered(&self, id: Option<String>, sent_body: &[u8]) {
        match id {
            Some(id) => self
                .acked
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id, sent_body.to_vec())),
            None => {
                self.declined.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The acknowledged creations: (id, body sent).
    pub fn acknowledged(&self) -> Vec<(String, Vec<u8>)> {
        self.acked.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Requests that got no answer (a timeout, a reset, or still in flight
    /// when the run ended): the service may or may not have stored them.
    pub fn unanswered(&self) -> u64 {
        let acked = self.acked.lock().unwrap_or_else(|p| p.into_inner()).len() as u64;
        self.sent
            .load(Ordering::Relaxed)
            .saturating_sub(acked + self.declined.load(Ordering::Relaxed))
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("weight", &self.weight)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.body)
            .field("check", &self.check.is_some())
            .finish()
    }
}

impl Template {
    /// A plain request with no placeholders and no check.
    pub fn fixed(
        method: &str,
        path: &str,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    ) -> Self {
        Self {
            name: format!("{method} {path}"),
            weight: 1,
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
            body: body.map_or(Body::None, Body::Static),
            n_range: (0, 0),
            check: None,
            capture_id: false,
            acks: None,
        }
    }

    fn uses(&self, placeholder: &str) -> bool {
        self.path.contains(placeholder)
            || matches!(&self.body, Body::Template(t) if t.contains(placeholder))
    }

    fn is_static(&self) -> bool {
        !["{seed}", "{n}", "{token}", "{id}"]
            .iter()
            .any(|p| self.uses(p))
            && !matches!(self.body, Body::Generated(_))
    }
}

/// A weighted list of templates.
#[derive(Debug, Clone)]
pub struct Mix {
    pub templates: Vec<Template>,
}

impl Mix {
    pub fn single(template: Template) -> Self {
        Self {
            templates: vec![template],
        }
    }
}

/// A request ready to write, with what its check needs.
#[derive(Debug)]
pub struct Prepared {
    pub template: usize,
    /// Shared, not copied, for static templates.
    pub bytes: bytes::Bytes,
    pub vars: Vars,
    /// A HEAD request's response has no body.
    pub head: bool,
}

/// Per-worker request builder: pre-encodes static templates, draws the
/// template by weight, substitutes placeholders, and keeps captured ids.
#[derive(Debug)]
pub struct Builder {
    mix: Mix,
    host: String,
    keepalive: bool,
    encoded: Vec<Option<bytes::Bytes>>,
    cumulative: Vec<u64>,
    ids: Vec<String>,
    next_id_slot: usize,
    pub rng: Rng,
}

/// Captured ids kept per worker.
const ID_POOL: usize = 4096;

impl Builder {
    pub fn new(mix: Mix, host: &str, keepalive: bool, seed: u64) -> Self {
        let mut total = 0u64;
        let cumulative = mix
            .templates
            .iter()
            .map(|t| {
                total += u64::from(t.weight.max(1));
                total
            })
            .collect();
        let mut builder = Self {
            encoded: Vec::new(),
            mix,
            host: host.to_owned(),
            keepalive,
            cumulative,
            ids: Vec::new(),
            next_id_slot: 0,
            rng: Rng::new(seed),
        };
        builder.encoded = builder
            .mix
            .templates
            .iter()
            .map(|t| {
                t.is_static()
                    .then(|| builder.encode(t, &t.path, body_of(t)).into())
            })
            .collect();
        builder
    }

    pub fn template(&self, i: usize) -> &Template {
        &self.mix.templates[i]
    }

    fn encode(&self, t: &Template, path: &str, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + body.len());
        out.extend_from_slice(t.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &t.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if !self.keepalive {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        if !body.is_empty() || matches!(t.method.as_str(), "POST" | "PUT" | "PATCH") {
            out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }

    fn pick(&mut self) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1);
        let x = self.rng.next_u64() % total;
        self.cumulative.partition_point(|&c| c <= x)
    }

    /// The next request of the mix. A template needing `{id}` before any id
    /// was captured falls back to the first template that does not.
    pub fn next_request(&mut self) -> Prepared {
        let mut i = self.pick();
        if self.ids.is_empty() && self.mix.templates[i].uses("{id}") {
            i = self
                .mix
                .templates
                .iter()
                .position(|t| !t.uses("{id}"))
                .unwrap_or(i);
        }
        let head = self.mix.templates[i].method == "HEAD";
        if let Some(bytes) = &self.encoded[i] {
            return Prepared {
                template: i,
                bytes: bytes.clone(),
                vars: Vars::default(),
                head,
            };
        }
        let t = &self.mix.templates[i];
        let mut vars = Vars::default();
        if t.uses("{seed}") {
            vars.seed = self.rng.next_u64() as u32;
        }
        if t.uses("{n}") {
            vars.n = self
                .rng
                .range(u64::from(t.n_range.0), u64::from(t.n_range.1)) as u32;
        }
        if t.uses("{token}") {
            vars.token = self.rng.token(12);
        }
        if t.uses("{id}") && !self.ids.is_empty() {
            let k = self.rng.range(0, self.ids.len() as u64 - 1) as usize;
            vars.id = self.ids[k].clone();
        }
        let substitute = |s: &str| {
            s.replace("{seed}", &vars.seed.to_string())
                .replace("{n}", &vars.n.to_string())
                .replace("{token}", &vars.token)
                .replace("{id}", &vars.id)
        };
        let path = substitute(&t.path);
        vars.body = match &t.body {
            Body::None => Vec::new(),
            Body::Static(b) => b.clone(),
            Body::Template(text) => substitute(text).into_bytes(),
            Body::Generated(f) => f(&mut self.rng),
        };
        let bytes = self.encode(t, &path, &vars.body);
        Prepared {
            template: i,
            bytes: bytes.into(),
            vars,
            head,
        }
    }

    /// Remembers an id from a reply, replacing old ones once the pool is full.
    pub fn capture(&mut self, id: String) {
        if self.ids.len() < ID_POOL {
            self.ids.push(id);
        } else {
            self.ids[self.next_id_slot] = id;
            self.next_id_slot = (self.next_id_slot + 1) % ID_POOL;
        }
    }
}

/// The `"id"` of a JSON reply body, if it has one.
pub fn reply_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("id")?.as_str().map(str::to_owned)
}

fn body_of(t: &Template) -> &[u8] {
    match &t.body {
        Body::Static(b) => b,
        Body::Template(text) => text.as_bytes(),
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(path: &str, weight: u32) -> Template {
        let mut t = Template::fixed("GET", path, vec![], None);
        t.weight = weight;
        t.n_range = (5, 9);
        t
    }

    #[test]
    fn static_requests_are_encoded_once_and_exactly() {
        let mut b = Builder::new(Mix::single(template("/health", 1)), "h:1", true, 1);
        let p = b.next_request();
        assert_eq!(&*p.bytes, b"GET /health HTTP/1.1\r\nHost: h:1\r\n\r\n");
        let mut b = Builder::new(
            Mix::single(Template::fixed(
                "POST",
                "/o",
                vec![("Content-Type".into(), "application/json".into())],
                Some(b"{}".to_vec()),
            )),
            "h",
            false,
            1,
        );
        assert_eq!(
            &*b.next_request().bytes,
            b"POST /o HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        );
    }

    #[test]
    fn placeholders_are_substituted_and_weights_respected() {
        let mix = Mix {
            templates: vec![
                template("/cpu/hash?seed={seed}&n={n}", 3),
                template("/orders/{id}", 1),
            ],
        };
        let mut b = Builder::new(mix, "h", true, 7);
        // No id captured yet: the {id} template falls back to the first.
        for _ in 0..50 {
            let p = b.next_request();
            assert_eq!(p.template, 0);
            assert!((5..=9).contains(&p.vars.n));
            let text = String::from_utf8(p.bytes.to_vec()).unwrap();
            assert!(
                text.starts_with(&format!(
                    "GET /cpu/hash?seed={}&n={} ",
                    p.vars.seed, p.vars.n
                )),
                "{text}"
            );
        }
        b.capture(reply_id(br#"{"id":"ord-9"}"#).unwrap());
        let mut counts = [0usize; 2];
        for _ in 0..4000 {
            let p = b.next_request();
            counts[p.template] += 1;
            if p.template == 1 {
                assert!(p.bytes.starts_with(b"GET /orders/ord-9 "));
            }
        }
        let share = counts[1] as f64 / 4000.0;
        assert!((0.2..0.3).contains(&share), "weight 1 of 4 drew {share}");
    }
}
