//! Command-line types (clap) and the validated `Settings` the subcommands hand to the stages.
//! The binary's side: the library never sees clap.
//!
//! `Opts` is what the user typed; `Settings::from_opts` checks it once and resolves defaults
//! (today's date, the alias table). Nothing else reads the command line or the clock.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::error::{Error, Result};
use kaizala_migrate::ingest::prices::{Billing, PriceBasis, Term};
use kaizala_migrate::ingest::values::DateOrder;
use kaizala_migrate::ingest::{Aliases, IngestOptions};
use kaizala_migrate::price::PriceOptions;
use kaizala_migrate::source::Input;

const EXIT_CODES: &str = "Exit codes: 0 success; 1 internal error or output not writable; \
2 bad input (unreadable file, missing required column, ambiguous dates, bad arguments, or \
rejected rows with --strict).";

/// Find expiring Kaizala Pro subscriptions in Partner Center and Microsoft 365 exports and plan
/// each customer's move to a supported plan.
#[derive(Debug, Parser)]
#[command(name = "kaizala-migrate", version, after_help = EXIT_CODES)]
pub struct Opts {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress bars (they are shown only on a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the expiring Kaizala Pro subscriptions.
    #[command(
        after_long_help = "Examples:\n  kaizala-migrate scan --subscriptions subs.csv --as-of 2026-12-01\n  kaizala-migrate scan --subscriptions recon.csv book.xlsx#Subscriptions --format csv"
    )]
    Scan {
        /// Inputs.
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the migration plan into a folder: plan.json, the worksheets (CSV and XLSX, one per
    /// customer and per account manager), the cost reports, the runbooks and the row lists
    /// (--outputs picks).
    #[command(
        after_long_help = "Examples:\n  kaizala-migrate plan --subscriptions subs.csv --users users.csv --out plan/\n  kaizala-migrate plan --subscriptions subs.csv --users contoso-users.csv=0f1e2d3c-0000-4000-8000-000000000001 --out plan/"
    )]
    Plan {
        /// Inputs.
        #[command(flatten)]
        input: InputArgs,
        /// Price lists and how to read them.
        #[command(flatten)]
        price: PriceArgs,
        /// Decisions that change the plan.
        #[command(flatten)]
        decide: PlanArgs,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Which deliverables to write (comma-separated); default all.
        #[arg(long, value_enum, value_delimiter = ',', num_args = 1.., value_name = "LIST")]
        outputs: Vec<OutputKind>,
        /// Overwrite workbooks in --out that hold edits this run would not keep (without it,
        /// plan stops and names the edited cells).
        #[arg(long)]
        force: bool,
    },
    /// Only read and validate the inputs; report per file how columns were mapped and where
    /// every row went.
    Check {
        /// Inputs.
        #[command(flatten)]
        input: InputArgs,
        /// Price lists and how to read them.
        #[command(flatten)]
        price: PriceArgs,
    },
    /// Write bash and PowerShell scripts that carry a plan out through the Partner Center API
    /// (dry run unless started with --apply / -Apply).
    #[command(
        after_long_help = "Examples:\n  kaizala-migrate scripts --plan out/plan.json --out scripts/\n  kaizala-migrate scripts --plan out/plan.json --out scripts/ --format bash --license-api graph --batch-size 5"
    )]
    Scripts {
        /// The plan.json written by `plan`.
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Which scripts to write.
        #[arg(long, value_enum, default_value_t = ScriptFormat::Both)]
        format: ScriptFormat,
        /// Which API changes users' licences.
        #[arg(long = "license-api", value_enum, default_value_t = LicenceApiArg::PartnerCenter)]
        licence_api: LicenceApiArg,
        /// How new subscriptions are bought: the new commerce cart, or the legacy order resource.
        #[arg(long, value_enum, default_value_t = PurchaseApiArg::Cart)]
        purchase_api: PurchaseApiArg,
        /// Customers run-all processes at a time.
        #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        batch_size: u32,
    },
    /// Report how far the scripts got, per customer, from their results files.
    Status {
        /// The plan.json the scripts were written from.
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Results files written by the scripts.
        #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
        results: Vec<PathBuf>,
    },
    /// List the built-in retirement profiles (retired offers, their replacements and the rule
    /// between them), or print one as TOML.
    Profiles {
        /// What to do; without it, list them.
        #[command(subcommand)]
        action: Option<ProfilesAction>,
    },
}

/// `profiles` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// Print a profile as TOML: a built-in one as shipped (a starting point for your own), or a
    /// profile file, once checked.
    Show {
        /// A built-in profile's id, or a profile file.
        #[arg(value_name = "ID|FILE")]
        profile: String,
    },
}

/// `plan --outputs` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum OutputKind {
    /// plan.json.
    Plan,
    /// worksheet.csv, users.csv, rejected.csv, filtered.csv.
    Csv,
    /// worksheet.xlsx, worksheets/, by-account-manager/.
    Worksheets,
    /// cost-report.csv, cost-report.xlsx, cost-report.html.
    Report,
    /// runbooks/.
    Runbooks,
}

/// `scripts --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScriptFormat {
    /// bash + curl + jq.
    Bash,
    /// PowerShell 7 with Invoke-RestMethod.
    Powershell,
    /// Both.
    Both,
}

/// `scripts --license-api` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LicenceApiArg {
    /// Partner Center licenseupdates.
    PartnerCenter,
    /// Microsoft Graph assignLicense.
    Graph,
}

/// `scripts --purchase-api` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PurchaseApiArg {
    /// Cart and checkout (new commerce).
    Cart,
    /// Legacy order (offer id and quantity).
    Order,
}

/// The exports and how to read them: shared by `scan`, `check` and `plan`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Subscriptions exports (CSV or XLSX; `FILE#Sheet` picks a sheet). Repeat the flag or list
    /// several files.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub subscriptions: Vec<String>,
    /// Users exports with their licences. `FILE=CUSTOMER_ID` says whose users an admin-center
    /// export holds; without it users are matched by the domain of their user principal name.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub users: Vec<String>,
    /// The date to plan from (YYYY-MM-DD); default today.
    #[arg(long, value_parser = parse_iso_date, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// A subscription ending at most this many days after --as-of is expiring.
    #[arg(long, default_value_t = 365, value_name = "N")]
    pub horizon_days: u32,
    /// Day/month order for date columns whose values do not decide it.
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,
    /// A TOML file mapping your own header names to fields (same layout as the built-in
    /// data/columns.toml).
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
    /// The retirement being planned: a built-in profile's id (see `profiles`) or a profile
    /// file.
    #[arg(long, value_name = "NAME|FILE", default_value = "kaizala-pro")]
    pub profile: String,
    /// An offer id that is the retiring product in your books (repeatable).
    #[arg(long = "kaizala-offer-id", value_name = "ID")]
    pub kaizala_offer_ids: Vec<String>,
    /// Exit with code 2 when any input row was rejected.
    #[arg(long)]
    pub strict: bool,
}

/// Price lists and how to read them: `check` validates them, `plan` prices with them.
#[derive(Debug, Args)]
pub struct PriceArgs {
    /// Price lists (CSV or XLSX): the new commerce market export, the legacy licence-based
    /// list (one tab per currency) or a table of offer name or id, currency, unit price,
    /// billing. Without them only the subscriptions' own unit prices are known.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub prices: Vec<String>,
    /// Currency of customers whose exports give none (ISO 4217 code, e.g. EUR).
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Commitment term of the list price to use where a list has several (P1M, P1Y, P3Y).
    #[arg(long, default_value = "P1Y", value_name = "TERM")]
    pub term: String,
    /// Billing frequency of the list price to use where a list has several.
    #[arg(long, value_enum, default_value_t = BillingArg::Monthly, value_name = "BILLING")]
    pub billing: BillingArg,
    /// Which price a list gives: the partner's cost (UnitPrice, List Price) or the suggested
    /// retail price (ERP Price).
    #[arg(long, value_enum, default_value_t = PriceBasisArg::Partner, value_name = "BASIS")]
    pub price_basis: PriceBasisArg,
}

/// Decisions that change the plan: only `plan` takes them.
#[derive(Debug, Args, Default)]
pub struct PlanArgs {
    /// Move every customer to this plan (one of the supported replacement plans), instead of
    /// the plan the rule picks. A Business plan is still never used above 300 seats.
    #[arg(long, value_name = "OFFER")]
    pub target: Option<String>,
    /// Customers whose staff are all frontline workers (tenant ids): they get Office 365 F3.
    #[arg(long, num_args = 1.., value_name = "CUSTOMER_ID")]
    pub frontline: Vec<String>,
    /// A worksheet written by `plan` (worksheet.xlsx or worksheets/<customer>.xlsx) and edited:
    /// its target plans, seats to buy, include flags and notes are applied.
    #[arg(long, value_name = "WORKBOOK")]
    pub overrides: Option<String>,
}

/// `scan` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

/// `--billing` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BillingArg {
    /// Billed every month.
    Monthly,
    /// Billed every year.
    Annual,
    /// Billed every three years.
    Triennial,
}

/// `--price-basis` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PriceBasisArg {
    /// What the partner pays Microsoft.
    Partner,
    /// The suggested retail price.
    Erp,
}

/// `--date-order` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    /// Day first: 01/07/2020 is 1 July.
    Dmy,
    /// Month first: 7/1/2020 is 1 July.
    Mdy,
}

fn parse_iso_date(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
}

/// Everything the stages read, validated once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Subscriptions inputs.
    pub subscriptions: Vec<Input>,
    /// Users inputs.
    pub users: Vec<Input>,
    /// "Today".
    pub as_of: NaiveDate,
    /// Horizon in days.
    pub horizon_days: u32,
    /// The last end date that counts as expiring.
    pub horizon_end: NaiveDate,
    /// Ingest options (aliases, date order).
    pub ingest: IngestOptions,
    /// Product knowledge.
    pub catalog: Catalog,
    /// Reject rows means exit 2.
    pub strict: bool,
    /// The plan forced with --target (canonical name).
    pub target: Option<String>,
    /// Customers named with --frontline.
    pub frontline: std::collections::BTreeSet<String>,
    /// The edited worksheet to apply.
    pub overrides: Option<Input>,
    /// Price lists.
    pub prices: Vec<Input>,
    /// Price settings.
    pub price: PriceOptions,
}

impl Settings {
    /// Builds settings from a command's arguments (a command without price lists or plan
    /// decisions gives `None`); `today` is used when --as-of is absent.
    pub fn from_args(
        args: &InputArgs,
        prices: Option<&PriceArgs>,
        decide: Option<&PlanArgs>,
        today: NaiveDate,
    ) -> Result<Settings> {
        let no_decisions = PlanArgs::default();
        let decide = decide.unwrap_or(&no_decisions);
        let as_of = args.as_of.unwrap_or(today);
        let dates = kaizala_migrate::ingest::values::DATES;
        if !dates.contains(&as_of) {
            return Err(Error::Usage(format!(
                "--as-of {as_of}: the date must lie between {} and {} (what every output can hold)",
                dates.start(),
                dates.end()
            )));
        }
        let horizon_end = as_of
            .checked_add_signed(chrono::Duration::days(i64::from(args.horizon_days)))
            .filter(|end| dates.contains(end))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--horizon-days {} is too far: the horizon ends after {}",
                    args.horizon_days,
                    dates.end()
                ))
            })?;
        let aliases = match &args.columns {
            Some(p) => Aliases::with_user_file(p)?,
            None => Aliases::builtin(),
        };
        let date_order = args.date_order.map(|o| match o {
            DateOrderArg::Dmy => DateOrder::Dmy,
            DateOrderArg::Mdy => DateOrder::Mdy,
        });
        let catalog = Catalog::from_profile(&profile(&args.profile)?, &args.kaizala_offer_ids);
        let target = match &decide.target {
            None => None,
            Some(t) => Some(
                catalog
                    .replacement(t)
                    .map(|p| p.name.clone())
                    .ok_or_else(|| Error::Usage(catalog.not_a_replacement(t)))?,
            ),
        };
        let frontline = decide
            .frontline
            .iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                kaizala_migrate::guid::parse_guid(s).ok_or_else(|| {
                    Error::Usage(format!("--frontline {s}: not a customer tenant id (a GUID)"))
                })
            })
            .collect::<Result<_>>()?;
        let price = prices.map(price_options).transpose()?.unwrap_or_default();
        let price_basis = match prices.map(|p| p.price_basis) {
            Some(PriceBasisArg::Erp) => PriceBasis::Erp,
            Some(PriceBasisArg::Partner) | None => PriceBasis::Partner,
        };
        Ok(Settings {
            prices: prices
                .map(|p| p.prices.iter().map(|s| Input::parse(s)).collect())
                .unwrap_or_default(),
            price,
            overrides: decide.overrides.as_deref().map(Input::parse),
            target,
            frontline,
            subscriptions: args.subscriptions.iter().map(|s| Input::parse(s)).collect(),
            users: args.users.iter().map(|s| Input::parse(s)).collect(),
            as_of,
            horizon_days: args.horizon_days,
            horizon_end,
            ingest: IngestOptions {
                aliases,
                date_order,
                price_basis,
                split_min_bytes: kaizala_migrate::ingest::SPLIT_MIN_BYTES,
            },
            catalog,
            strict: args.strict,
        })
    }
}

/// The profile named with `--profile`, checked.
fn profile(name: &str) -> Result<kaizala_migrate::profile::Profile> {
    kaizala_migrate::profile::Profile::load(name)
        .map_err(|e| Error::Usage(format!("--profile {name}: {e}")))
}

/// The price settings, checked.
fn price_options(args: &PriceArgs) -> Result<PriceOptions> {
    let term = Term::parse(&args.term)
        .ok_or_else(|| Error::Usage(format!("--term {}: not a term (P1M, P1Y, P3Y)", args.term)))?;
    let currency = match &args.currency {
        Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_uppercase())
        }
        Some(c) => {
            return Err(Error::Usage(format!("--currency {c}: not a currency code such as EUR")))
        }
        None => None,
    };
    Ok(PriceOptions {
        currency,
        term,
        billing: match args.billing {
            BillingArg::Monthly => Billing::Monthly,
            BillingArg::Annual => Billing::Annual,
            BillingArg::Triennial => Billing::Triennial,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Opts::command().debug_assert();
    }

    #[test]
    fn files_can_be_listed_or_repeated() {
        let o = Opts::parse_from([
            "kaizala-migrate",
            "scan",
            "--subscriptions",
            "a.csv",
            "b.csv",
            "--subscriptions",
            "c.xlsx",
        ]);
        let Command::Scan { input, .. } = o.command else { panic!("not scan") };
        assert_eq!(input.subscriptions, ["a.csv", "b.csv", "c.xlsx"]);
        assert_eq!(input.horizon_days, 365);
    }
}
