//! A threshold's history: when it was written relative to the data, and
//! what it was before a change made after data. A change after data is
//! judged under the old threshold too, so a reader sees what it moved.

use sha2::{Digest, Sha256};

use super::evaluate::evaluate_check;
use super::pool::Pool;
use super::{ClaimVerdict, Evaluation, Evidence, History, Moment};

/// Why a check's `history` is malformed, if it is.
pub(super) fn validate(history: &[History]) -> Result<(), String> {
    for h in history {
        let date = h.date.as_bytes();
        let digits = |r: std::ops::Range<usize>| date[r].iter().all(u8::is_ascii_digit);
        if date.len() != 10
            || date[4] != b'-'
            || date[7] != b'-'
            || !digits(0..4)
            || !digits(5..7)
            || !digits(8..10)
        {
            return Err(format!("date {:?} is not YYYY-MM-DD", h.date));
        }
        if h.verdict_under_old.is_some() {
            return Err("verdict_under_old is filled in by evaluation, not written".into());
        }
        match h.when {
            Moment::AfterData if h.data.is_none() => {
                return Err(format!(
                    "the change of {} is after data, so it needs `data` (what had been seen)",
                    h.date
                ));
            }
            Moment::BeforeData | Moment::WithMeasure if h.old.is_some() || h.data.is_some() => {
                return Err(format!(
                    "the entry of {} is {}: `old` and `data` belong to changes after data",
                    h.date, h.when
                ));
            }
            _ => {}
        }
    }
    if history.windows(2).any(|w| w[0].date > w[1].date) {
        return Err("entries must be in date order".into());
    }
    Ok(())
}

pub(super) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fills `verdict_under_old` for every after-data change with an `old`
/// bound, and says it in the evidence's explanation.
pub(super) fn judge_old_thresholds(evaluation: &mut Evaluation, results: &Pool) {
    for claim in &mut evaluation.claims {
        for ev in claim.evidence.iter_mut().chain(claim.context.iter_mut()) {
            judge(ev, results);
        }
    }
}

fn judge(ev: &mut Evidence, results: &Pool) {
    let mut said = Vec::new();
    let current = ev.check.clone();
    for h in &mut ev.check.history {
        let (Moment::AfterData, Some(old)) = (h.when, h.old) else {
            continue;
        };
        let mut then = current.clone();
        let rel = if then.at_least.is_some() {
            then.at_least = Some(old);
            "≥"
        } else {
            then.at_most = Some(old);
            "≤"
        };
        let verdict: ClaimVerdict = evaluate_check(&then, results).verdict;
        h.verdict_under_old = Some(verdict);
        said.push(format!(
            "threshold changed after data on {} (was {rel} {old}): under the old one {verdict}",
            h.date
        ));
    }
    for s in said {
        ev.explanation.push_str("; ");
        ev.explanation.push_str(&s);
    }
}
