use std::process::ExitCode;

use std::io::Write;

use clap::Parser;

fn main() -> ExitCode {
    let cli = shootout::cli::Cli::parse();
    // --quiet: stderr goes to /dev/null; the error that ends the command
    // still goes to the real one.
    let mut errors: Box<dyn std::io::Write> = match cli.quiet {
        true => match shootout::sys::silence_stderr() {
            Ok(original) => Box::new(original),
            Err(_) => Box::new(std::io::stderr()),
        },
        false => Box::new(std::io::stderr()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(shootout::run(cli));
    shootout::supervise::orphans::kill_all();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            // A closed pipe (`shootout verify --json | head`) is not an error.
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            let _ = writeln!(errors, "error: {}", shootout::error_text(&e));
            ExitCode::from(2)
        }
    }
}
