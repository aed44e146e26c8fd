//! Which image each pod runs, named by digest: a tag moves (a re-push, or
//! someone else's, changes what a later run measures), a digest does not.
//! `push` records each image's digest in a small file beside the layouts
//! ([`Digests`], `digests.json`); `render` and `run` read it, take `--image
//! NAME=REF@sha256:…` over it, and use tags only when `--tag` asks for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file `push` writes in its `--images-dir` folder.
pub const DIGESTS_FILE: &str = "digests.json";
/// The name PostgreSQL's image goes by in `--image` and the digests file.
pub const POSTGRES: &str = "postgres";
/// PostgreSQL's official image, by tag: used only with `--tag`.
pub const POSTGRES_TAG: &str = "postgres:15";

#[derive(Debug, thiserror::Error)]
pub enum ImagesError {
    #[error("reading the digests file {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("writing the digests file {path}: {why}")]
    Write { path: PathBuf, why: String },
    #[error("{what} {reference:?} is not pinned: give REPOSITORY@sha256:<64 hex digits>")]
    NotDigest { what: String, reference: String },
    #[error("--image {0:?} is not NAME=REPOSITORY@sha256:DIGEST")]
    NotPair(String),
    #[error("--image {0}=…: no pod runs an image of that name")]
    Unknown(String),
    #[error("no digest for {name}'s image: {why}\n  hint: {hint}")]
    Missing {
        name: String,
        why: String,
        hint: String,
    },
}

/// Image name (`shootout`, a contender, `postgres`) → its reference by
/// digest, `REPOSITORY@sha256:…`: what `push` pushed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Digests(pub BTreeMap<String, String>);

impl Digests {
    /// The file at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Self>, ImagesError> {
        let fail = |why: String| ImagesError::Read {
            path: path.to_owned(),
            why,
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(e.to_string())),
        };
        let digests: Self = serde_json::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
        for (name, reference) in &digests.0 {
            check_digest(&format!("{name} in {}", path.display()), reference)?;
        }
        Ok(Some(digests))
    }

    /// Records `name` → `reference` in the file at `path`, keeping the other
    /// images it names (a push of one contender keeps the others' digests).
    pub fn record(path: &Path, name: &str, reference: &str) -> Result<(), ImagesError> {
        check_digest(name, reference)?;
        let mut digests = Self::read(path)?.unwrap_or_default();
        digests.0.insert(name.to_owned(), reference.to_owned());
        let fail = |why: String| ImagesError::Write {
            path: path.to_owned(),
            why,
        };
        let text = serde_json::to_string_pretty(&digests).map_err(|e| fail(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| fail(e.to_string()))
    }
}

/// `REPOSITORY@sha256:<64 lower-case hex digits>`.
fn check_digest(what: &str, reference: &str) -> Result<(), ImagesError> {
    let pinned = reference.split_once("@sha256:").is_some_and(|(repo, hex)| {
        !repo.is_empty()
            && hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if pinned {
        Ok(())
    } else {
        Err(ImagesError::NotDigest {
            what: what.to_owned(),
            reference: reference.to_owned(),
        })
    }
}

/// The repository `push` writes the image `name` to in `registry` (a
/// contender's, or `shootout` itself for the generator and the upstream).
pub fn repository(registry: &str, name: &str) -> String {
    let repo = if name == "shootout" {
        "shootout".to_owned()
    } else {
        format!("shootout-{name}")
    };
    format!("{}/{repo}", registry.trim_end_matches('/'))
}

/// `--image NAME=REF@sha256:…` values.
pub fn parse_overrides(values: &[String]) -> Result<BTreeMap<String, String>, ImagesError> {
    values
        .iter()
        .map(|v| {
            let (name, reference) = v
                .split_once('=')
                .filter(|(n, r)| !n.is_empty() && !r.is_empty())
                .ok_or_else(|| ImagesError::NotPair(v.clone()))?;
            check_digest(&format!("--image {name}"), reference)?;
            Ok((name.to_owned(), reference.to_owned()))
        })
        .collect()
}

/// Where the pods' images come from.
#[derive(Debug, Clone)]
pub struct Sources<'a> {
    /// `--registry`: where the pods pull shootout's and the contenders'
    /// images from.
    pub registry: &'a str,
    /// `--tag`: reference images by this tag instead of by digest.
    pub tag: Option<&'a str>,
    /// `--digests`: the file `push` wrote, and what it holds (`None`: no
    /// such file).
    pub digests_file: &'a Path,
    pub digests: Option<&'a Digests>,
    /// `--image NAME=REF@sha256:…`, over everything else.
    pub overrides: &'a BTreeMap<String, String>,
}

/// The images' references, and what the user should know about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Image name → reference.
    pub references: BTreeMap<String, String>,
    /// Said on stderr: tags that may move, digests pulled from elsewhere
    /// than they were pushed to.
    pub warnings: Vec<String>,
}

/// The reference of every image in `names` (`shootout`, contenders,
/// `postgres`).
pub fn resolve(sources: &Sources, names: &[&str]) -> Result<Resolved, ImagesError> {
    if let Some(name) = sources
        .overrides
        .keys()
        .find(|n| !names.contains(&n.as_str()))
    {
        return Err(ImagesError::Unknown(name.clone()));
    }
    let mut references = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut tagged = Vec::new();
    for &name in names {
        let reference = if let Some(r) = sources.overrides.get(name) {
            r.clone()
        } else if let Some(tag) = sources.tag {
            let r = if name == POSTGRES {
                POSTGRES_TAG.to_owned()
            } else {
                format!("{}:{tag}", repository(sources.registry, name))
            };
            tagged.push(r.clone());
            r
        } else {
            pinned(sources, name, &mut warnings)?
        };
        references.insert(name.to_owned(), reference);
    }
    if !tagged.is_empty() {
        warnings.insert(
            0,
            format!(
                "--tag: the pods pull {} by tag; a push under the same tag (yours or anyone's) between two runs changes what is measured. Without --tag the pods pull the digests `push` recorded.",
                tagged.join(", ")
            ),
        );
    }
    Ok(Resolved {
        references,
        warnings,
    })
}

/// `name`'s reference by digest, from the digests file.
fn pinned(
    sources: &Sources,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<String, ImagesError> {
    let file = sources.digests_file.display();
    let recorded = sources.digests.and_then(|d| d.0.get(name));
    let Some(recorded) = recorded else {
        let why = match sources.digests {
            None => format!("there is no {file}"),
            Some(_) => format!("{file} does not name it"),
        };
        let hint = if name == POSTGRES {
            format!(
                "pass --image postgres={POSTGRES_TAG}@sha256:… (`crane digest {POSTGRES_TAG}` or `docker buildx imagetools inspect {POSTGRES_TAG}` says it) or add \"postgres\" to {file}; or --tag TAG to pull by tag"
            )
        } else {
            format!(
                "push it first (shootout-k8s push --registry {} --contenders … writes {}), or pass --image {name}=REPOSITORY@sha256:…, or --tag TAG to pull by tag",
                sources.registry, DIGESTS_FILE
            )
        };
        return Err(ImagesError::Missing {
            name: name.to_owned(),
            why,
            hint,
        });
    };
    if name == POSTGRES {
        return Ok(recorded.clone());
    }
    // The digest, pulled from --registry: the host the nodes see may not be
    // the one `push` reached (a registry on a kind node is localhost to the
    // pusher), and a digest is the same bytes wherever it is served.
    let (pushed_to, digest) = recorded
        .split_once('@')
        .ok_or_else(|| ImagesError::NotDigest {
            what: name.to_owned(),
            reference: recorded.clone(),
        })?;
    let pulled_from = repository(sources.registry, name);
    if pushed_to != pulled_from {
        warnings.push(format!(
            "{name}: pushed to {pushed_to}, the pods pull {pulled_from}@{digest}: that registry must serve the same digest"
        ));
    }
    Ok(format!("{pulled_from}@{digest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn sources<'a>(
        tag: Option<&'a str>,
        digests: Option<&'a Digests>,
        overrides: &'a BTreeMap<String, String>,
    ) -> Sources<'a> {
        Sources {
            registry: "reg.example:5000",
            tag,
            digests_file: Path::new("images/digests.json"),
            digests,
            overrides,
        }
    }

    #[test]
    fn the_recorded_digests_are_pulled_from_the_registry_given() {
        let digests = Digests(BTreeMap::from([
            ("shootout".into(), format!("reg.example:5000/shootout@{A}")),
            ("go".into(), format!("localhost:5001/shootout-go@{B}")),
        ]));
        let none = BTreeMap::new();
        let r = resolve(&sources(None, Some(&digests), &none), &["shootout", "go"]).unwrap();
        assert_eq!(
            r.references["shootout"],
            format!("reg.example:5000/shootout@{A}")
        );
        assert_eq!(
            r.references["go"],
            format!("reg.example:5000/shootout-go@{B}")
        );
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("pushed to localhost:5001/shootout-go"));
    }

    #[test]
    fn without_digests_or_a_tag_the_error_says_to_push_first() {
        let none = BTreeMap::new();
        let e = resolve(&sources(None, None, &none), &["shootout"]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("there is no images/digests.json"), "{text}");
        assert!(text.contains("hint: push it first"), "{text}");
        assert!(text.contains("--tag"), "{text}");
        let digests = Digests(BTreeMap::from([(
            "shootout".into(),
            format!("reg.example:5000/shootout@{A}"),
        )]));
        let e = resolve(
            &sources(None, Some(&digests), &none),
            &["shootout", "postgres"],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--image postgres=postgres:15@sha256:"), "{e}");
    }

    #[test]
    fn a_tag_is_used_only_when_asked_for_and_warned_about() {
        let none = BTreeMap::new();
        let r = resolve(
            &sources(Some("latest"), None, &none),
            &["shootout", "postgres"],
        )
        .unwrap();
        assert_eq!(r.references["shootout"], "reg.example:5000/shootout:latest");
        assert_eq!(r.references["postgres"], "postgres:15");
        assert!(r.warnings[0].contains("changes what is measured"));
    }

    #[test]
    fn image_arguments_win_and_must_be_digests() {
        let given = parse_overrides(&[format!("postgres=postgres:15@{A}")]).unwrap();
        let r = resolve(
            &sources(Some("v1"), None, &given),
            &["shootout", "postgres"],
        )
        .unwrap();
        assert_eq!(r.references["postgres"], format!("postgres:15@{A}"));
        assert!(parse_overrides(&["postgres=postgres:15".into()]).is_err());
        assert!(parse_overrides(&["postgres".into()]).is_err());
        assert!(parse_overrides(&[format!("x=r@{}", &A[..20])]).is_err());
        let unknown = parse_overrides(&[format!("nginx=nginx@{A}")]).unwrap();
        assert!(matches!(
            resolve(&sources(None, None, &unknown), &["shootout"]),
            Err(ImagesError::Unknown(_))
        ));
    }

    #[test]
    fn recording_keeps_the_other_images() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DIGESTS_FILE);
        assert_eq!(Digests::read(&path).unwrap(), None);
        Digests::record(&path, "shootout", &format!("r/shootout@{A}")).unwrap();
        Digests::record(&path, "go", &format!("r/shootout-go@{A}")).unwrap();
        Digests::record(&path, "go", &format!("r/shootout-go@{B}")).unwrap();
        let read = Digests::read(&path).unwrap().unwrap();
        assert_eq!(read.0.len(), 2);
        assert_eq!(read.0["go"], format!("r/shootout-go@{B}"));
        assert!(Digests::record(&path, "go", "r/shootout-go:latest").is_err());
    }
}
