//! `amanat staff report`: decrypts, in memory, every case the reviewer can open, joins it
//! with the verdicts in the transparency log, and writes the published annex (complete
//! cases only, consented fields only, Russian collation) with figures and SVG charts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use amanat_protocol::form::places::Place;
use amanat_protocol::form::{AdminOutcome, AppealForm, EVENTS, Flag, Language};
use amanat_protocol::grant;
use amanat_protocol::ids::{CaseId, DocumentId};
use amanat_protocol::keyring::{Fingerprint, KeyringPin};
use amanat_protocol::keys::{self, StaffKeys};
use amanat_protocol::log::entry::Verdict;
use amanat_protocol::wire::DocumentKind;
use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::{Collator, CollatorBorrowed};
use serde::Serialize;

use amanat_client::log::Standing;

use crate::api::Api;
use crate::commands::staff::SavedSession;
use crate::commands::write_private;
use crate::error::{CliError, Result};
use crate::i18n::Tr;

/// Largest appeal form we decrypt (a form is JSON; anything bigger is not a form).
const MAX_FORM: u64 = 4 * 1024 * 1024;
/// Notes larger than this (ciphertext) are not labels notes, which are a few hundred bytes.
const MAX_LABELS_NOTE: u64 = 64 * 1024;

/// One case as the reviewer sees it after decryption: nothing of it touches the disk.
pub struct CaseData {
    pub case_id: CaseId,
    pub form: Option<AppealForm>,
    /// Why the appeal form could not be used, if it is present but unreadable.
    pub form_error: Option<String>,
    pub has_poa: bool,
    /// The case's powers of attorney, in the order the server lists them.
    pub poas: Vec<DocumentId>,
    /// The reviewers' labels (from the latest labels note).
    pub labels: Vec<String>,
    /// The standing verdict on the case's power of attorney, from the log.
    pub verdict: Option<Verdict>,
    pub flags: Vec<Flag>,
}

impl CaseData {
    pub fn complete(&self) -> bool {
        self.form.is_some() && matches!(self.verdict, Some(Verdict::Accepted))
    }
}

/// Fetches and decrypts every case the caller holds a grant for.
pub fn load_cases(session: &SavedSession, keys: &StaffKeys) -> Result<Vec<CaseData>> {
    let api = session.api()?;
    let root = Fingerprint::parse(&session.root)?;
    // Checked first, so a foreign keyring stops the report before anything is decrypted.
    api.verified_keyring(&mut KeyringPin::new(root))?;
    // The audit's rule: a verdict counts if its signer was a reviewer when it was logged.
    let verdicts = amanat_client::log::verdicts(&api, root)?;
    let mut out = Vec::new();
    let mut not_granted = 0;
    for summary in api.cases()? {
        match load_case(&api, keys, summary.case_id, &verdicts)? {
            Some(c) => out.push(c),
            None => not_granted += 1,
        }
    }
    if not_granted > 0 {
        eprintln!(
            "{not_granted} case(s) are not shared with you and were left out; a colleague can share them (`amanat staff share`)."
        );
    }
    Ok(out)
}

/// Fetches and decrypts one case: its latest appeal form, its powers of attorney and the
/// verdict that stands on them. `None` if the case is not shared with the caller.
pub fn load_case(
    api: &Api,
    keys: &StaffKeys,
    case: CaseId,
    verdicts: &HashMap<[u8; 32], Standing>,
) -> Result<Option<CaseData>> {
    let detail = match api.case(case) {
        Ok(d) => d,
        Err(crate::api::Failure::Api(e)) if e.status == 404 => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let identity = grant::unwrap(case, &detail.grant, keys.identity())?;
    let commitment = keys::commitment_for(&identity, &case)?;
    if commitment != detail.commitment {
        return Err(CliError::new(format!(
            "case {case}: its log commitment does not match its key; the server or the complainant's client is misbehaving"
        )));
    }
    let poas: Vec<(DocumentId, [u8; 32])> = detail
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::PowerOfAttorney)
        .map(|d| (d.document_id, d.sha256))
        .collect();
    // The latest appeal form stands (a complainant may send a corrected one).
    let latest_form = detail
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::AppealForm)
        .max_by_key(|d| d.received_at);
    let (mut form, mut form_error) = (None, None);
    if let Some(doc) = latest_form {
        let body = api.document(case, doc.document_id)?;
        match amanat_protocol::envelope::open_to_vec(&identity, body, MAX_FORM) {
            Err(e) => form_error = Some(format!("did not decrypt: {e}")),
            Ok((meta, bytes)) if meta.kind != DocumentKind::AppealForm => {
                form_error = Some(format!("inside it is a {}, not a form", meta.kind));
                drop(bytes);
            }
            Ok((_, bytes)) => match std::str::from_utf8(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    AppealForm::from_json(t).map_err(|p| {
                        p.iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                }) {
                Ok(f) => form = Some(f),
                Err(e) => form_error = Some(e),
            },
        }
    }
    // Only a verdict on one of this case's own powers of attorney counts.
    let verdict = verdicts
        .get(&commitment)
        .filter(|v| poas.iter().any(|(d, s)| *d == v.document && *s == v.sha256))
        .map(|v| v.verdict);
    let flags = form.as_ref().map(AppealForm::flags).unwrap_or_default();
    // The latest labels note this reviewer can read (notes are sealed to the reviewers).
    let mut notes: Vec<_> = detail
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Note && d.length <= MAX_LABELS_NOTE)
        .collect();
    notes.sort_by_key(|d| std::cmp::Reverse(d.received_at));
    let mut labels = Vec::new();
    for d in notes {
        let body = api.document(case, d.document_id)?;
        if let Ok((meta, bytes)) =
            amanat_protocol::envelope::open_to_vec(keys.identity(), body, MAX_LABELS_NOTE)
            && let Some(l) = amanat_client::staff::parse_labels(&meta, &bytes)
        {
            labels = l;
            break;
        }
    }
    Ok(Some(CaseData {
        case_id: case,
        form,
        form_error,
        has_poa: !poas.is_empty(),
        poas: poas.iter().map(|(d, _)| *d).collect(),
        labels,
        verdict,
        flags,
    }))
}

/// A line of the annex: only what the person agreed to publish.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// `None` when the person did not agree to publish their name.
    pub name: Option<String>,
    pub age: Option<u32>,
    pub occupation: Option<String>,
}

/// Everything the report states, computed once and rendered in several formats.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    pub cases: usize,
    pub complete: usize,
    /// Complete cases grouped by published place (sorted with Russian collation).
    pub places: Vec<(String, Vec<Person>)>,
    /// Distinct published places (the "M cities and towns").
    pub place_count: usize,
    /// Complete cases whose place is not published.
    pub place_withheld: usize,
    /// Persons (complete cases) with at least one incident of each event.
    pub events: BTreeMap<String, usize>,
    /// Detention incidents, and the persons detained at least once.
    pub detentions: usize,
    pub persons_detained: usize,
    pub administrative_arrests: usize,
    pub arrest_days: u64,
    pub fines: usize,
    pub fines_tenge: u64,
    pub criminal_cases: usize,
    /// Criminal cases per article.
    pub criminal_articles: BTreeMap<String, usize>,
    pub follow_up: FollowUp,
}

/// Cases that need someone's attention before they can count.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowUp {
    pub missing_form: Vec<String>,
    pub unreadable_form: Vec<(String, String)>,
    pub missing_poa: Vec<String>,
    pub poa_not_acknowledged: Vec<String>,
    pub poa_rejected: Vec<(String, u16)>,
    /// Names that mix look-alike letters of two alphabets.
    pub lookalikes: Vec<(String, String, String)>,
}

/// Russian collation (CLDR), the working language of the annex.
pub fn russian_collator() -> Result<CollatorBorrowed<'static>> {
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Tertiary);
    let locale = icu_collator::CollatorPreferences::from(icu_locale_core::locale!("ru"));
    Collator::try_new(locale, options)
        .map_err(|e| CliError::new(format!("cannot load Russian collation: {e}")))
}

/// Works out the figures from decrypted cases.
pub fn figures(cases: &[CaseData], tr: &Tr) -> Result<Figures> {
    let collator = russian_collator()?;
    let mut f = Figures {
        cases: cases.len(),
        ..Default::default()
    };
    let mut places: BTreeMap<String, Vec<Person>> = BTreeMap::new();
    let withheld = tr.get("report-place-withheld");
    for c in cases {
        let id = c.case_id.to_string();
        let label = c
            .form
            .as_ref()
            .map(AppealForm::full_name)
            .unwrap_or_default();
        match (&c.form, &c.form_error) {
            (None, Some(e)) => f.follow_up.unreadable_form.push((id.clone(), e.clone())),
            (None, None) => f.follow_up.missing_form.push(id.clone()),
            _ => {}
        }
        match c.verdict {
            _ if !c.has_poa => f.follow_up.missing_poa.push(id.clone()),
            None => f.follow_up.poa_not_acknowledged.push(id.clone()),
            Some(Verdict::Rejected(r)) => f.follow_up.poa_rejected.push((id.clone(), r)),
            Some(Verdict::Accepted) => {}
        }
        for flag in &c.flags {
            f.follow_up
                .lookalikes
                .push((id.clone(), flag.field.clone(), flag.word.clone()));
        }
        let _ = label;
        let Some(form) = c.form.as_ref().filter(|_| c.complete()) else {
            continue;
        };
        f.complete += 1;
        let consent = &form.consent;
        let place = form
            .identity
            .city
            .as_deref()
            .filter(|p| consent.publish_city && !p.is_empty())
            .map(|p| {
                Place::find(p)
                    .map(|k| k.ru.to_owned())
                    .unwrap_or_else(|| p.to_owned())
            });
        if place.is_none() {
            f.place_withheld += 1;
        }
        places
            .entry(place.unwrap_or_else(|| withheld.clone()))
            .or_default()
            .push(Person {
                name: consent.publish_name.then(|| form.full_name()),
                age: form.identity.age.filter(|_| consent.publish_age),
                occupation: form
                    .identity
                    .occupation
                    .clone()
                    .filter(|_| consent.publish_occupation),
            });
        let events: BTreeSet<&str> = form.incidents.iter().map(|i| i.event.as_str()).collect();
        for e in events {
            *f.events.entry(e.to_owned()).or_default() += 1;
        }
        let detentions = form.incidents.iter().filter(|i| i.is_detention()).count();
        f.detentions += detentions;
        f.persons_detained += usize::from(detentions > 0);
        for a in &form.administrative_cases {
            match a.outcome {
                Some(AdminOutcome::Arrest) => {
                    f.administrative_arrests += 1;
                    f.arrest_days += u64::from(a.arrest_days.unwrap_or(0));
                }
                Some(AdminOutcome::Fine) => {
                    f.fines += 1;
                    f.fines_tenge += a.fine_tenge.unwrap_or(0);
                }
                _ => {}
            }
        }
        for k in &form.criminal_cases {
            f.criminal_cases += 1;
            *f.criminal_articles.entry(k.article.clone()).or_default() += 1;
        }
    }
    for e in EVENTS {
        f.events.entry(e.to_owned()).or_default();
    }
    let mut grouped: Vec<(String, Vec<Person>)> = places.into_iter().collect();
    for (_, people) in &mut grouped {
        // Withheld names last; names in Russian order.
        people.sort_by(|a, b| match (&a.name, &b.name) {
            (Some(x), Some(y)) => collator.compare(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.age.cmp(&b.age),
        });
    }
    grouped.sort_by(|(a, _), (b, _)| {
        (a == &withheld)
            .cmp(&(b == &withheld))
            .then_with(|| collator.compare(a, b))
    });
    f.place_count = grouped.iter().filter(|(p, _)| p != &withheld).count();
    f.places = grouped;
    Ok(f)
}

/// The output formats `--format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Md,
    Csv,
    Html,
    Json,
}

pub fn parse_formats(list: &[String]) -> Result<Vec<Format>> {
    list.iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Md),
            "csv" => Ok(Format::Csv),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(CliError::new(format!("unknown report format {other:?}"))
                .hint("use --format md,csv,html (json also works)")),
        })
        .collect()
}

/// `amanat staff report` from its arguments.
pub fn run_args(args: &crate::cli::ReportArgs) -> Result<()> {
    let lang = crate::i18n::choose(args.lang.as_deref())?;
    let formats = parse_formats(&args.format)?;
    let session = crate::commands::staff::load_session(&args.session)?;
    let keys = crate::commands::staff::load_keys(&args.key)?;
    run(&session, &keys, &args.out, &formats, args.encrypt, lang).map(|_| ())
}

/// Writes the annex and figures in `formats` into the new folder `out`, each file sealed to
/// the reviewer's own key with `encrypt`.
pub fn write(
    f: &Figures,
    tr: &Tr,
    keys: &StaffKeys,
    out: &Path,
    formats: &[Format],
    encrypt: bool,
) -> Result<Vec<String>> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for format in formats {
        match format {
            Format::Md => {
                files.push(("annex.md".into(), render_md(f, tr).into_bytes()));
                files.push(("follow-up.md".into(), follow_up_md(f, tr).into_bytes()));
            }
            Format::Csv => {
                files.push(("annex.csv".into(), annex_csv(f).into_bytes()));
                files.push(("figures.csv".into(), figures_csv(f).into_bytes()));
                files.push(("follow-up.csv".into(), follow_up_csv(f).into_bytes()));
            }
            Format::Html => files.push(("annex.html".into(), render_html(f, tr).into_bytes())),
            Format::Json => files.push((
                "figures.json".into(),
                serde_json::to_vec_pretty(f).map_err(|e| CliError::new(e.to_string()))?,
            )),
        }
    }
    prepare_dir(out)?;
    let recipient = keys.identity().to_public();
    let mut names = Vec::new();
    for (name, bytes) in files {
        let name = if encrypt {
            let sealed = seal(&recipient, &bytes)?;
            let name = format!("{name}.age");
            write_private(&out.join(&name), &sealed, false)?;
            name
        } else {
            write_private(&out.join(&name), &bytes, false)?;
            name
        };
        names.push(name);
    }
    Ok(names)
}

/// `amanat staff report`.
pub fn run(
    session: &SavedSession,
    keys: &StaffKeys,
    out: &Path,
    formats: &[Format],
    encrypt: bool,
    lang: Language,
) -> Result<Figures> {
    let tr = Tr::new(lang)?;
    let cases = load_cases(session, keys)?;
    let f = figures(&cases, &tr)?;
    drop(cases);
    write(&f, &tr, keys, out, formats, encrypt)?;
    println!(
        "{}",
        tr.get_args(
            "report-written",
            &[
                ("complete", f.complete.to_string()),
                ("cases", f.cases.to_string()),
                ("dir", out.display().to_string()),
            ]
        )
    );
    println!("{}", headline(&f, &tr));
    if encrypt {
        println!("{}", tr.get("report-encrypted"));
    } else {
        println!("{}", tr.get("report-plaintext"));
    }
    Ok(f)
}

fn seal(recipient: &age::x25519::Recipient, bytes: &[u8]) -> Result<Vec<u8>> {
    let enc = age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
        .map_err(|e| CliError::new(format!("cannot encrypt the report: {e}")))?;
    let mut out = Vec::new();
    let mut w = enc
        .wrap_output(&mut out)
        .map_err(|e| CliError::new(format!("cannot encrypt the report: {e}")))?;
    w.write_all(bytes)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| CliError::new(format!("cannot encrypt the report: {e}")))?;
    Ok(out)
}

fn prepare_dir(out: &Path) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CliError::new(format!("{} is not empty", out.display()))
                    .hint("give a new folder, so no earlier report is overwritten"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(|e| CliError::file("create", out, e))?;
        }
        Err(e) => return Err(CliError::file("open", out, e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| CliError::file("protect", out, e))?;
    }
    Ok(())
}

pub fn headline(f: &Figures, tr: &Tr) -> String {
    tr.get_nums(
        "report-headline",
        &[
            ("people", f.complete as i64),
            ("places", f.place_count as i64),
        ],
    )
}

/// `Surname Given Patronymic (aged N)` or `(age not stated)`, name withheld if so asked.
fn person_line(p: &Person, tr: &Tr) -> String {
    let name = p
        .name
        .clone()
        .unwrap_or_else(|| tr.get("report-name-withheld"));
    let age = match p.age {
        Some(a) => tr.get_nums("report-aged", &[("age", i64::from(a))]),
        None => tr.get("report-age-not-stated"),
    };
    match &p.occupation {
        Some(o) => format!("{name} ({age}), {o}"),
        None => format!("{name} ({age})"),
    }
}

fn event_label(tr: &Tr, e: &str) -> String {
    tr.item("event", e)
}

fn render_md(f: &Figures, tr: &Tr) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", tr.get("report-title"));
    let _ = writeln!(s, "**{}**\n", headline(f, tr));
    let mut n = 0;
    for (place, people) in &f.places {
        let _ = writeln!(s, "## {}\n", md_escape(place));
        for p in people {
            n += 1;
            let _ = writeln!(s, "{n}. {}", md_escape(&person_line(p, tr)));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## {}\n", tr.get("report-figures"));
    let _ = writeln!(s, "### {}\n", tr.get("report-by-event"));
    let _ = writeln!(
        s,
        "| {} | {} |\n|---|---:|",
        tr.get("report-event"),
        tr.get("report-people")
    );
    for e in EVENTS {
        let _ = writeln!(
            s,
            "| {} | {} |",
            event_label(tr, e),
            f.events.get(e).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(s, "\n### {}\n", tr.get("report-by-kind"));
    for line in kind_lines(f, tr) {
        let _ = writeln!(s, "- {line}");
    }
    let _ = writeln!(s, "\n### {}\n", tr.get("report-by-article"));
    let _ = writeln!(
        s,
        "| {} | {} |\n|---|---:|",
        tr.get("report-article"),
        tr.get("report-cases")
    );
    for (a, n) in &f.criminal_articles {
        let _ = writeln!(s, "| {} | {n} |", md_escape(a));
    }
    let _ = writeln!(s, "\n### {}\n", tr.get("report-by-place"));
    let _ = writeln!(
        s,
        "| {} | {} |\n|---|---:|",
        tr.get("report-place"),
        tr.get("report-people")
    );
    for (place, people) in &f.places {
        let _ = writeln!(s, "| {} | {} |", md_escape(place), people.len());
    }
    s
}

fn kind_lines(f: &Figures, tr: &Tr) -> Vec<String> {
    vec![
        tr.get_nums(
            "report-detentions",
            &[
                ("count", f.detentions as i64),
                ("people", f.persons_detained as i64),
            ],
        ),
        tr.get_nums(
            "report-arrests",
            &[
                ("count", f.administrative_arrests as i64),
                ("days", f.arrest_days as i64),
            ],
        ),
        tr.get_nums(
            "report-fines",
            &[("count", f.fines as i64), ("tenge", f.fines_tenge as i64)],
        ),
        tr.get_nums("report-criminal", &[("count", f.criminal_cases as i64)]),
    ]
}

fn follow_up_md(f: &Figures, tr: &Tr) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", tr.get("report-follow-up"));
    let _ = writeln!(s, "{}\n", tr.get("report-follow-up-note"));
    let u = &f.follow_up;
    let sections: [(&str, Vec<String>); 6] = [
        ("report-missing-form", u.missing_form.clone()),
        (
            "report-unreadable-form",
            u.unreadable_form
                .iter()
                .map(|(c, e)| format!("{c}: {e}"))
                .collect(),
        ),
        ("report-missing-poa", u.missing_poa.clone()),
        ("report-poa-pending", u.poa_not_acknowledged.clone()),
        (
            "report-poa-rejected",
            u.poa_rejected
                .iter()
                .map(|(c, r)| format!("{c} (reason {r})"))
                .collect(),
        ),
        (
            "report-lookalikes",
            u.lookalikes
                .iter()
                .map(|(c, field, w)| format!("{c}: {field}: {}", md_escape(w)))
                .collect(),
        ),
    ];
    for (key, items) in sections {
        let _ = writeln!(s, "## {} ({})\n", tr.get(key), items.len());
        for i in items {
            let _ = writeln!(s, "- {i}");
        }
        s.push('\n');
    }
    s
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn csv_field(s: &str) -> String {
    // A leading =, +, - or @ would be a formula in a spreadsheet: neutralise it.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn annex_csv(f: &Figures) -> String {
    let mut s = String::from("place,name,age,occupation\n");
    for (place, people) in &f.places {
        for p in people {
            let _ = writeln!(
                s,
                "{},{},{},{}",
                csv_field(place),
                csv_field(p.name.as_deref().unwrap_or("")),
                p.age.map(|a| a.to_string()).unwrap_or_default(),
                csv_field(p.occupation.as_deref().unwrap_or(""))
            );
        }
    }
    s
}

fn figures_csv(f: &Figures) -> String {
    let mut s = String::from("figure,key,value\n");
    let mut row = |fig: &str, key: &str, v: String| {
        let _ = writeln!(s, "{},{},{}", fig, csv_field(key), v);
    };
    row("cases", "", f.cases.to_string());
    row("complete", "", f.complete.to_string());
    row("places", "", f.place_count.to_string());
    for (e, n) in &f.events {
        row("event", e, n.to_string());
    }
    row("detentions", "", f.detentions.to_string());
    row("persons_detained", "", f.persons_detained.to_string());
    row(
        "administrative_arrests",
        "",
        f.administrative_arrests.to_string(),
    );
    row("arrest_days", "", f.arrest_days.to_string());
    row("fines", "", f.fines.to_string());
    row("fines_tenge", "", f.fines_tenge.to_string());
    row("criminal_cases", "", f.criminal_cases.to_string());
    for (a, n) in &f.criminal_articles {
        row("criminal_article", a, n.to_string());
    }
    for (p, people) in &f.places {
        row("place", p, people.len().to_string());
    }
    s
}

fn follow_up_csv(f: &Figures) -> String {
    let mut s = String::from("case,issue,detail\n");
    let u = &f.follow_up;
    for c in &u.missing_form {
        let _ = writeln!(s, "{c},missing-form,");
    }
    for (c, e) in &u.unreadable_form {
        let _ = writeln!(s, "{c},unreadable-form,{}", csv_field(e));
    }
    for c in &u.missing_poa {
        let _ = writeln!(s, "{c},missing-power-of-attorney,");
    }
    for c in &u.poa_not_acknowledged {
        let _ = writeln!(s, "{c},power-of-attorney-not-acknowledged,");
    }
    for (c, r) in &u.poa_rejected {
        let _ = writeln!(s, "{c},power-of-attorney-rejected,{r}");
    }
    for (c, field, w) in &u.lookalikes {
        let _ = writeln!(
            s,
            "{c},mixed-script-word,{}",
            csv_field(&format!("{field}: {w}"))
        );
    }
    s
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart as inline SVG: one bar per row, the value at its end.
pub fn bar_chart(title: &str, rows: &[(String, u64)]) -> String {
    const LABEL_W: u32 = 330;
    const BAR_W: u32 = 300;
    const ROW_H: u32 = 24;
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW_H * rows.len() as u32 + 34;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="sans-serif" font-size="13"><title>{t}</title><text x="0" y="16" font-weight="bold">{t}</text>"##,
        w = LABEL_W + BAR_W + 60,
        t = html_escape(title)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 28 + ROW_H * i as u32;
        let w = ((*v as f64 / max as f64) * f64::from(BAR_W)).round() as u32;
        let short: String = if label.chars().count() > 48 {
            label.chars().take(47).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end">{l}</text><rect x="{bx}" y="{y}" width="{w}" height="{bh}" fill="#2b6cb0"/><text x="{vx}" y="{ty}">{v}</text>"##,
            lx = LABEL_W - 8,
            ty = y + 15,
            l = html_escape(&short),
            bx = LABEL_W,
            bh = ROW_H - 6,
            vx = LABEL_W + w + 6,
        );
    }
    s.push_str("</svg>");
    s
}

pub fn render_html(f: &Figures, tr: &Tr) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "DejaVu Serif", Georgia, serif; max-width: 48rem; margin: 2rem auto; color: #111; background: #fff; line-height: 1.4; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.2rem; border-bottom: 1px solid #999; margin-top: 1.6rem; }}
.headline {{ font-size: 1.25rem; font-weight: bold; }}
ol {{ padding-left: 2.5rem; }} table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #bbb; padding: .2rem .5rem; }}
td.n {{ text-align: right; }} figure {{ margin: 1rem 0; break-inside: avoid; }}
@media print {{ body {{ margin: 0; max-width: none; }} h2 {{ break-after: avoid; }} }}
</style></head><body>
<h1>{title}</h1>
<p class="headline">{headline}</p>
"#,
        lang = tr.lang.as_str(),
        title = html_escape(&tr.get("report-title")),
        headline = html_escape(&headline(f, tr)),
    );
    let mut n = 0;
    for (place, people) in &f.places {
        let _ = write!(
            s,
            "<h2>{}</h2>\n<ol start=\"{}\">\n",
            html_escape(place),
            n + 1
        );
        for p in people {
            n += 1;
            let _ = writeln!(s, "<li>{}</li>", html_escape(&person_line(p, tr)));
        }
        s.push_str("</ol>\n");
    }
    let _ = writeln!(s, "<h2>{}</h2>", html_escape(&tr.get("report-figures")));
    let events: Vec<(String, u64)> = EVENTS
        .iter()
        .map(|e| {
            (
                event_label(tr, e),
                f.events.get(*e).copied().unwrap_or(0) as u64,
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "<figure>{}</figure>",
        bar_chart(&tr.get("report-by-event"), &events)
    );
    let kinds: Vec<(String, u64)> = vec![
        (tr.get("report-chart-detentions"), f.detentions as u64),
        (
            tr.get("report-chart-arrests"),
            f.administrative_arrests as u64,
        ),
        (tr.get("report-chart-fines"), f.fines as u64),
        (tr.get("report-chart-criminal"), f.criminal_cases as u64),
    ];
    let _ = writeln!(
        s,
        "<figure>{}</figure>",
        bar_chart(&tr.get("report-by-kind"), &kinds)
    );
    let _ = writeln!(s, "<ul>");
    for line in kind_lines(f, tr) {
        let _ = writeln!(s, "<li>{}</li>", html_escape(&line));
    }
    let _ = writeln!(s, "</ul>");
    let articles: Vec<(String, u64)> = f
        .criminal_articles
        .iter()
        .map(|(a, n)| {
            (
                tr.get_args("report-article-label", &[("article", a.clone())]),
                *n as u64,
            )
        })
        .collect();
    if !articles.is_empty() {
        let _ = writeln!(
            s,
            "<figure>{}</figure>",
            bar_chart(&tr.get("report-by-article"), &articles)
        );
    }
    let places: Vec<(String, u64)> = f
        .places
        .iter()
        .map(|(p, people)| (p.clone(), people.len() as u64))
        .collect();
    let _ = writeln!(
        s,
        "<figure>{}</figure>",
        bar_chart(&tr.get("report-by-place"), &places)
    );
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_collation_is_not_byte_order() {
        let c = russian_collator().unwrap();
        let mut names = vec!["Ёлкина", "Жукова", "Ершова", "Абаев", "елисеева", "Әлиев"];
        names.sort_by(|a, b| c.compare(a, b));
        // Byte order would put Ё (U+0401) first and lower case after upper case.
        assert_eq!(
            names,
            ["Абаев", "Әлиев", "елисеева", "Ёлкина", "Ершова", "Жукова"]
        );
    }

    #[test]
    fn charts_escape_labels() {
        let svg = bar_chart("a<b", &[("x&y".into(), 3), ("z".into(), 0)]);
        assert!(svg.contains("a&lt;b") && svg.contains("x&amp;y"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
