//! `regwatch code CODE`: one control code across regimes, side by side.

use anyhow::Result;

use super::{Ctx, Exit, Format, ListInputs, parse_day, print};
use crate::counterpart;
use crate::diff::list::Timeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The control code, e.g. 3A001, 1C902 (a family: 1C902.a, 1C902.b…).
    code: String,
    /// The date (YYYY-MM-DD); today by default.
    #[arg(long)]
    as_of: Option<String>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let as_of = match &args.as_of {
        Some(s) => parse_day("--as-of", s)?,
        None => ctx.today(None),
    };
    let inputs = ListInputs::load(ctx, None)?;
    let list = Timeline::new(&inputs.announcements).list(&inputs.entries, as_of);
    let sides = counterpart::sides(&list, &args.code);
    let code = counterpart::normalise(&args.code);
    print(&match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "code": code,
                "as_of": as_of,
                "regimes": sides,
            }))?;
            s.push('\n');
            s
        }
        _ => {
            let mut out = format!("{code} on {as_of}, by regime\n");
            for side in &sides {
                out.push_str(&format!("\n{}\n", side.regime));
                if let Some(none) = &side.none {
                    out.push_str(&format!("  {none}\n"));
                }
                for e in &side.entries {
                    let since = e.since.map(|d| format!(" since {d}")).unwrap_or_default();
                    out.push_str(&format!(
                        "  {}  {}{since}  {}\n      {}\n",
                        e.code,
                        e.status.as_str(),
                        crate::report::short_citation(&e.status_by),
                        e.description_en
                    ));
                }
            }
            out
        }
    })?;
    Ok(Exit::Ok)
}
