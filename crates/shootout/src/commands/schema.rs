//! `shootout schema`: the JSON Schemas of shootout's documents, generated
//! from the types that write them (`docs/NAME.schema.json` are this output,
//! one per document: each `--json` output and `results.json`).

use std::io::Write;

use crate::cli::{SchemaArgs, SchemaDoc};

/// The schema of `doc`, pretty-printed.
pub fn generate(doc: SchemaDoc) -> String {
    use schemars::schema_for;
    let schema = match doc {
        SchemaDoc::Results => schema_for!(crate::suite::results::Results),
        SchemaDoc::Load => schema_for!(crate::load::LoadReport),
        SchemaDoc::Verify => schema_for!(crate::verify::outcome::VerifyReport),
        SchemaDoc::Torture => schema_for!(Vec<crate::torture::Scorecard>),
        SchemaDoc::Coldstart => schema_for!(Vec<crate::ops::coldstart::Coldstart>),
        SchemaDoc::Footprint => schema_for!(Vec<crate::ops::footprint::Footprint>),
        SchemaDoc::Claims => schema_for!(crate::suite::claims::Evaluation),
        SchemaDoc::Compare => schema_for!(crate::suite::change::Comparison),
        SchemaDoc::Toolchains => schema_for!(Vec<crate::report::toolchains::ToolchainRow>),
        SchemaDoc::Mutate => schema_for!(crate::mutate::MutateReport),
        SchemaDoc::Test => schema_for!(crate::report::unit_tests::TestReport),
        SchemaDoc::Up => schema_for!(crate::report::service::UpLine),
        SchemaDoc::Upstream => schema_for!(crate::report::service::UpstreamLine),
    };
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn schema(args: SchemaArgs) -> anyhow::Result<bool> {
    write!(std::io::stdout().lock(), "{}", generate(args.doc))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The name `doc` goes by on the command line and in `docs/NAME.schema.json`.
    fn name(doc: SchemaDoc) -> String {
        doc.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// The committed schemas are what the types generate today, one for
    /// every document.
    #[test]
    fn committed_schemas_are_current() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        for &doc in SchemaDoc::value_variants() {
            let name = name(doc);
            let file = format!("{name}.schema.json");
            let committed = std::fs::read_to_string(docs.join(&file)).unwrap_or_default();
            assert!(
                committed == generate(doc),
                "docs/{file} is stale or missing: regenerate it with `cargo run -- schema {name} > docs/{file}`"
            );
        }
    }
}
