//! `shootout schema`: the JSON Schemas of shootout's documents, generated
//! from the types that write them (`docs/*.schema.json` are this output).

use std::io::Write;

use crate::cli::{SchemaArgs, SchemaDoc};

/// The schema of `doc`, pretty-printed.
pub fn generate(doc: SchemaDoc) -> String {
    let schema = match doc {
        SchemaDoc::Results => schemars::schema_for!(crate::suite::results::Results),
        SchemaDoc::Load => schemars::schema_for!(crate::load::LoadReport),
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
    use super::*;

    /// The committed schemas are what the types generate today.
    #[test]
    fn committed_schemas_are_current() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        for (doc, file) in [
            (SchemaDoc::Results, "results.schema.json"),
            (SchemaDoc::Load, "load.schema.json"),
        ] {
            let committed = std::fs::read_to_string(docs.join(file)).unwrap_or_default();
            assert!(
                committed == generate(doc),
                "docs/{file} is stale: regenerate it with `cargo run -- schema {} > docs/{file}`",
                file.trim_end_matches(".schema.json")
            );
        }
    }
}
