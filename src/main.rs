//! The `kaizala-migrate` binary: parse the command line, run the library, map the outcome to
//! an exit code. Only this file exits.

use std::io::{self, Write};
use std::process;

use clap::Parser;
mod cli;
mod cmd;

use cli::{Command, Opts, Settings};
use kaizala_migrate::error::{Error, ExitCode};

fn main() {
    let opts = Opts::parse();
    kaizala_migrate::progress::enable(!opts.quiet);
    let today = chrono::Local::now().date_naive();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    let result = match &opts.command {
        Command::Scan { input, format } => Settings::from_args(input, None, None, today)
            .and_then(|s| cmd::scan::run(&s, *format, &mut out, &mut err)),
        Command::Plan { input, price, decide, out: dir, outputs, force } => {
            Settings::from_args(input, Some(price), Some(decide), today)
                .and_then(|s| cmd::plan::run(&s, dir, outputs, *force, &mut out, &mut err))
        }
        Command::Check { input, price } => Settings::from_args(input, Some(price), None, today)
            .and_then(|s| cmd::check::run(&s, &mut out, &mut err)),
        Command::Scripts { plan, out: dir, format, licence_api, purchase_api, batch_size } => {
            cmd::scripts::run(
                plan,
                dir,
                cmd::scripts::options(*format, *licence_api, *purchase_api, *batch_size),
                &mut out,
            )
        }
        Command::Status { plan, results } => cmd::scripts::status(plan, results, &mut out),
        Command::Profiles { action } => cmd::profiles::run(action.as_ref(), &mut out),
    };
    let flushed = out.flush();
    let code = match result {
        Ok(code) => code,
        Err(e) => report(&e),
    };
    if let Err(e) = flushed {
        // A closed pipe (e.g. `| head`) is not a failure.
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(io::stderr(), "kaizala-migrate: cannot write output: {e}");
            process::exit(ExitCode::Internal as i32);
        }
    }
    process::exit(code as i32);
}

fn report(e: &Error) -> ExitCode {
    let message = e.to_string();
    let shown = kaizala_migrate::escape::bounded(&message, kaizala_migrate::escape::MAX_MESSAGE);
    let _ = writeln!(io::stderr(), "kaizala-migrate: {shown}");
    e.exit_code()
}
