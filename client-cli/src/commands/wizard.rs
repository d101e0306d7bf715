//! The appeal form, asked question by question in the terminal (Kazakh, Russian or
//! English): repeatable sections, a summary, and a confirmation before anything is
//! encrypted. Answers live only in memory; nothing is written to disk.

use std::io::{self, BufRead, IsTerminal, Write};

use amanat_client::document::{self, Outgoing};
use amanat_protocol::form::check::{ARREST_DAYS_MAX, FINE_MAX, PART_MAX, is_article, is_time};
use amanat_protocol::form::text::{clean, mixed_script_words};
use amanat_protocol::form::{
    AdminOutcome, AdministrativeCase, AppealForm, AttachmentKind, AttachmentNote, Authority,
    BroughtBy, CriminalCase, CriminalStatus, Date, EVENTS, FamilyMember, HealthRecord, Incident,
    IncidentFlag, Interrogation, Paper, Pressure, PressureKind, Problem, ProblemKind, Recorded,
};
use i18n_embed_fl::fl;

use crate::error::{CliError, Result};
use crate::i18n::Tr;

/// Checks a form read from a file, naming problems in the interface language, and wraps
/// the normalised form as a document.
pub fn checked_form_doc(text: &str, label: &str, tr: &Tr) -> Result<Outgoing> {
    let form =
        AppealForm::from_json(text).map_err(|problems| problems_error(tr, label, &problems))?;
    to_doc(&form)
}

fn problems_error(tr: &Tr, label: &str, problems: &[Problem]) -> CliError {
    let list: Vec<String> = problems
        .iter()
        .map(|p| format!("  - {}", tr.problem(p)))
        .collect();
    CliError::new(format!(
        "{}\n{}",
        fl!(tr.loader(), "form-has-problems", label = label),
        list.join("\n")
    ))
    .hint(fl!(tr.loader(), "form-fix-hint"))
}

/// The form as the document that is encrypted and sent.
pub fn to_doc(form: &AppealForm) -> Result<Outgoing> {
    let json = serde_json::to_string(form).map_err(|e| CliError::new(e.to_string()))?;
    document::form_json(&json, "(wizard)")
}

/// Runs the wizard on the terminal if standard input is one. `None` when there is no
/// terminal or the person chose to send other documents only.
pub fn interactive(tr: &Tr) -> Result<Option<AppealForm>> {
    if !io::stdin().is_terminal() {
        return Ok(None);
    }
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = io::stdout();
    run(tr, &mut input, &mut out, Date::today())
}

/// The whole conversation over any input and output (the tests drive it with buffers).
pub fn run(
    tr: &Tr,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    today: Date,
) -> Result<Option<AppealForm>> {
    let mut w = Wizard {
        tr,
        input,
        out,
        today,
    };
    w.say(&fl!(tr.loader(), "wizard-intro"))?;
    w.say(&fl!(tr.loader(), "wizard-nothing-saved"))?;
    if !w.yes_no("wizard-fill-now")? {
        return Ok(None);
    }
    let mut form = AppealForm::new(tr.lang);
    w.identity(&mut form)?;
    w.repeat(
        "section-family",
        "add-family",
        &mut form.identity.family,
        Wizard::family,
    )?;
    w.repeat(
        "section-incidents",
        "add-incident",
        &mut form.incidents,
        Wizard::incident,
    )?;
    w.repeat(
        "section-interrogations",
        "add-interrogation",
        &mut form.interrogations,
        Wizard::interrogation,
    )?;
    w.repeat(
        "section-admin",
        "add-admin",
        &mut form.administrative_cases,
        Wizard::admin_case,
    )?;
    w.repeat(
        "section-criminal",
        "add-criminal",
        &mut form.criminal_cases,
        Wizard::criminal_case,
    )?;
    w.repeat(
        "section-health",
        "add-health",
        &mut form.health,
        Wizard::health,
    )?;
    w.repeat(
        "section-pressure",
        "add-pressure",
        &mut form.other_pressure,
        Wizard::pressure,
    )?;
    w.repeat(
        "section-attachments",
        "add-attachment",
        &mut form.attachments,
        Wizard::attachment,
    )?;
    w.consent(&mut form)?;
    w.summary(&form)?;
    let problems = form.problems_as_of(today);
    if !problems.is_empty() {
        w.say(&fl!(tr.loader(), "wizard-still-problems"))?;
        for p in &problems {
            w.say(&format!("  - {}", tr.problem(p)))?;
        }
        return Err(w.cancelled());
    }
    if !w.yes_no("wizard-confirm")? {
        return Err(w.cancelled());
    }
    Ok(Some(form))
}

struct Wizard<'a> {
    tr: &'a Tr,
    input: &'a mut dyn BufRead,
    out: &'a mut dyn Write,
    today: Date,
}

/// What a parser says about an answer it cannot take.
type Parsed<T> = std::result::Result<T, String>;

impl Wizard<'_> {
    fn say(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}").map_err(term_error)
    }

    fn cancelled(&self) -> CliError {
        CliError::new(fl!(self.tr.loader(), "wizard-cancelled"))
    }

    fn problem(&self, kind: ProblemKind) -> String {
        self.tr.problem_message(&Problem {
            field: String::new(),
            kind,
        })
    }

    /// Shows `prompt`, reads one line, NFC-normalises and trims it. End of input cancels.
    fn line(&mut self, prompt: &str) -> Result<String> {
        write!(self.out, "{prompt}").map_err(term_error)?;
        self.out.flush().map_err(term_error)?;
        let mut buf = String::new();
        let n = self.input.read_line(&mut buf).map_err(term_error)?;
        if n == 0 {
            writeln!(self.out).map_err(term_error)?;
            return Err(self.cancelled());
        }
        Ok(clean(&buf))
    }

    fn label(&self, key: &str, required: bool) -> String {
        if key.is_empty() {
            "> ".to_owned()
        } else if required {
            format!("{}: ", self.tr.get(key))
        } else {
            format!(
                "{} {}: ",
                self.tr.get(key),
                fl!(self.tr.loader(), "wizard-optional")
            )
        }
    }

    /// Asks until `parse` accepts the answer; an empty answer is `None` unless required.
    fn ask<T>(
        &mut self,
        key: &str,
        required: bool,
        parse: impl Fn(&Self, &str) -> Parsed<T>,
    ) -> Result<Option<T>> {
        let prompt = self.label(key, required);
        loop {
            let answer = self.line(&prompt)?;
            if answer.is_empty() {
                if required {
                    let msg = fl!(self.tr.loader(), "wizard-required");
                    self.say(&format!("  ! {msg}"))?;
                    continue;
                }
                return Ok(None);
            }
            match parse(self, &answer) {
                Ok(v) => return Ok(Some(v)),
                Err(msg) => self.say(&format!("  ! {msg}"))?,
            }
        }
    }

    fn text(&mut self, key: &str, required: bool) -> Result<Option<String>> {
        let max = amanat_protocol::form::LONG_TEXT;
        self.ask(key, required, |w, s| {
            if s.chars().count() > max {
                Err(w.problem(ProblemKind::Text { max }))
            } else {
                Ok(s.to_owned())
            }
        })
    }

    /// A name or place: short, and look-alike letters from two alphabets are pointed out.
    fn name(&mut self, key: &str, required: bool) -> Result<Option<String>> {
        loop {
            let Some(v) = self.ask(key, required, |w, s| {
                if s.chars().count() > amanat_protocol::form::SHORT_TEXT {
                    Err(w.problem(ProblemKind::Text {
                        max: amanat_protocol::form::SHORT_TEXT,
                    }))
                } else {
                    Ok(s.to_owned())
                }
            })?
            else {
                return Ok(None);
            };
            let mixed = mixed_script_words(&v);
            let Some(word) = mixed.first() else {
                return Ok(Some(v));
            };
            let question = fl!(self.tr.loader(), "wizard-lookalike", word = word.as_str());
            if self.yes_no_text(&question)? {
                return Ok(Some(v));
            }
        }
    }

    fn yes_no(&mut self, key: &str) -> Result<bool> {
        let q = self.tr.get(key);
        self.yes_no_text(&q)
    }

    fn yes_no_text(&mut self, question: &str) -> Result<bool> {
        Ok(self.yes_no_inner(question, true)?.unwrap_or(false))
    }

    /// `None` when skipped (only if not required).
    fn yes_no_inner(&mut self, question: &str, required: bool) -> Result<Option<bool>> {
        let yes = words(&fl!(self.tr.loader(), "wizard-yes-words"));
        let no = words(&fl!(self.tr.loader(), "wizard-no-words"));
        let optional = if required {
            String::new()
        } else {
            format!(" {}", fl!(self.tr.loader(), "wizard-optional"))
        };
        let prompt = format!(
            "{question} {}{optional}: ",
            fl!(self.tr.loader(), "wizard-yes-no")
        );
        loop {
            let a = self.line(&prompt)?.to_lowercase();
            if a.is_empty() && !required {
                return Ok(None);
            }
            if yes.contains(&a) {
                return Ok(Some(true));
            }
            if no.contains(&a) {
                return Ok(Some(false));
            }
            let msg = fl!(self.tr.loader(), "wizard-answer-yes-no");
            self.say(&format!("  ! {msg}"))?;
        }
    }

    fn maybe(&mut self, key: &str) -> Result<Option<bool>> {
        let q = self.tr.get(key);
        self.yes_no_inner(&q, false)
    }

    /// One item from a numbered list.
    fn one<T: Copy>(
        &mut self,
        key: &str,
        list: &str,
        items: &[(T, &str)],
        required: bool,
    ) -> Result<Option<T>> {
        self.show_list(key, list, items)?;
        self.ask("", required, |w, s| match s.parse::<usize>() {
            Ok(n) if (1..=items.len()).contains(&n) => Ok(items[n - 1].0),
            _ => Err(fl!(w.tr.loader(), "wizard-choose-one")),
        })
    }

    /// Any number of items from a numbered list.
    fn many<T: Copy>(&mut self, key: &str, list: &str, items: &[(T, &str)]) -> Result<Vec<T>> {
        self.show_list(key, list, items)?;
        let hint = fl!(self.tr.loader(), "wizard-choose-many");
        self.say(&format!("  ({hint})"))?;
        let picked = self.ask("", false, |w, s| {
            let mut v = Vec::new();
            for part in s.split([',', ' ', ';']).filter(|p| !p.is_empty()) {
                match part.parse::<usize>() {
                    Ok(n) if (1..=items.len()).contains(&n) => {
                        if !v.iter().any(|&(i, _)| i == n) {
                            v.push((n, items[n - 1].0));
                        }
                    }
                    _ => return Err(fl!(w.tr.loader(), "wizard-choose-many")),
                }
            }
            Ok(v)
        })?;
        Ok(picked
            .unwrap_or_default()
            .into_iter()
            .map(|(_, t)| t)
            .collect())
    }

    fn show_list<T>(&mut self, key: &str, list: &str, items: &[(T, &str)]) -> Result<()> {
        let title = self.tr.get(key);
        self.say(&title)?;
        for (i, (_, code)) in items.iter().enumerate() {
            let label = self.tr.item(list, code);
            self.say(&format!("  {:>2}. {label}", i + 1))?;
        }
        Ok(())
    }

    fn date(&mut self, key: &str, required: bool) -> Result<Option<String>> {
        self.ask(key, required, |w, s| match Date::parse(s) {
            None => Err(w.problem(ProblemKind::BadDate)),
            Some(d) if d > w.today => Err(w.problem(ProblemKind::FutureDate)),
            Some(d) => Ok(d.to_string()),
        })
    }

    fn time(&mut self, key: &str) -> Result<Option<String>> {
        self.ask(key, false, |w, s| {
            if is_time(s) {
                Ok(s.to_owned())
            } else {
                Err(w.problem(ProblemKind::BadTime))
            }
        })
    }

    fn number(
        &mut self,
        key: &str,
        required: bool,
        min: u64,
        max: u64,
        kind: ProblemKind,
    ) -> Result<Option<u64>> {
        self.ask(key, required, |w, s| {
            let digits: String = s
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_' | '\''))
                .collect();
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                // "1500.50" or "1,5": money must be whole tenge, say so in the field's terms.
                return Err(
                    if digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
                    {
                        w.problem(kind.clone())
                    } else {
                        fl!(w.tr.loader(), "wizard-not-a-number")
                    },
                );
            }
            match digits.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(w.problem(kind.clone())),
            }
        })
    }

    fn article(&mut self, key: &str) -> Result<String> {
        Ok(self
            .ask(key, true, |w, s| {
                if is_article(s) {
                    Ok(s.to_owned())
                } else {
                    Err(w.problem(ProblemKind::BadArticle))
                }
            })?
            .unwrap_or_default())
    }

    fn part(&mut self) -> Result<Option<u32>> {
        Ok(self
            .number(
                "field-part",
                false,
                1,
                PART_MAX.into(),
                ProblemKind::BadPart { max: PART_MAX },
            )?
            .map(|n| n as u32))
    }

    fn heading(&mut self, key: &str) -> Result<()> {
        let title = self.tr.get(key);
        self.say("")?;
        self.say(&format!("── {title} ──"))
    }

    /// A repeatable section: asks whether to add one, then whether to add another.
    fn repeat<T>(
        &mut self,
        title: &str,
        add: &str,
        items: &mut Vec<T>,
        one: fn(&mut Self) -> Result<T>,
    ) -> Result<()> {
        self.heading(title)?;
        if !self.yes_no(add)? {
            return Ok(());
        }
        loop {
            let item = one(self)?;
            items.push(item);
            if !self.yes_no("wizard-add-another")? {
                return Ok(());
            }
        }
    }

    fn identity(&mut self, form: &mut AppealForm) -> Result<()> {
        self.heading("section-identity")?;
        let id = &mut form.identity;
        id.surname = self.name("field-surname", true)?.unwrap_or_default();
        id.given_name = self.name("field-given-name", true)?.unwrap_or_default();
        id.patronymic = self.name("field-patronymic", false)?;
        id.other_spellings = self
            .text("field-other-spellings", false)?
            .map(|s| s.split(',').map(clean).filter(|x| !x.is_empty()).collect())
            .unwrap_or_default();
        id.age = self
            .number(
                "field-age",
                false,
                10,
                120,
                ProblemKind::Age { min: 10, max: 120 },
            )?
            .map(|n| n as u32);
        id.date_of_birth = self.date("field-date-of-birth", false)?;
        id.city = self.name("field-city", false)?;
        id.country_abroad = self.name("field-country-abroad", false)?;
        if id.country_abroad.is_some() {
            id.status_abroad = self.text("field-status-abroad", false)?;
        }
        id.citizenship = self.name("field-citizenship", false)?;
        id.occupation = self.text("field-occupation", false)?;
        Ok(())
    }

    fn family(&mut self) -> Result<FamilyMember> {
        Ok(FamilyMember {
            relation: self.text("field-relation", true)?.unwrap_or_default(),
            age: self
                .number(
                    "field-relative-age",
                    false,
                    0,
                    120,
                    ProblemKind::Age { min: 0, max: 120 },
                )?
                .map(|n| n as u32),
            note: self.text("field-relative-note", false)?,
        })
    }

    fn incident(&mut self) -> Result<Incident> {
        let events: Vec<(&str, &str)> = EVENTS.iter().map(|e| (*e, *e)).collect();
        let event = self
            .one("field-event", "event", &events, true)?
            .unwrap_or("other")
            .to_owned();
        let date = self.date("field-date", true)?.unwrap_or_default();
        let start_time = self.time("field-start-time")?;
        let city = self.name("field-incident-city", false)?;
        let place = self.text("field-place", false)?;
        let activity = self.text("field-activity", false)?;
        let detained = self.maybe("field-detained")?;
        let authorities = self.many("field-authorities", "authority", &codes(Authority::ALL))?;
        let flags = self.many("field-flags", "flag", &codes(IncidentFlag::ALL))?;
        let recorded = self.many("field-recorded", "recorded", &codes(Recorded::ALL))?;
        let papers_signed = self.many("field-papers", "paper", &codes(Paper::ALL))?;
        let items_seized = self.text("field-items-seized", false)?;
        let injuries = self.text("field-injuries", false)?;
        let minors_present = self.maybe("field-minors")?;
        let description = self
            .text("field-description", event == "other")?
            .unwrap_or_default();
        Ok(Incident {
            event,
            date,
            start_time,
            end_time: None,
            city,
            place,
            activity,
            detained,
            authorities,
            flags,
            recorded,
            papers_signed,
            items_seized,
            injuries,
            minors_present,
            description,
        })
    }

    fn interrogation(&mut self) -> Result<Interrogation> {
        Ok(Interrogation {
            date: self.date("field-date", true)?.unwrap_or_default(),
            body: self.one("field-body", "authority", &codes(Authority::ALL), false)?,
            brought_by: self.one("field-brought-by", "brought", &codes(BroughtBy::ALL), false)?,
            questions: self.text("field-questions", false)?,
            threats: self.text("field-threats", false)?,
        })
    }

    fn admin_case(&mut self) -> Result<AdministrativeCase> {
        let article = self.article("field-admin-article")?;
        let part = self.part()?;
        let date = self.date("field-date", false)?;
        let hearing_at_night = self.maybe("field-hearing-night")?;
        let lawyer_present = self.maybe("field-lawyer-present")?;
        let outcome = self.one("field-outcome", "outcome", &codes(AdminOutcome::ALL), false)?;
        let arrest_days = match outcome {
            Some(AdminOutcome::Arrest) => self
                .number(
                    "field-arrest-days",
                    true,
                    1,
                    ARREST_DAYS_MAX.into(),
                    ProblemKind::ArrestDays {
                        max: ARREST_DAYS_MAX,
                    },
                )?
                .map(|n| n as u32),
            _ => None,
        };
        let fine_tenge = match outcome {
            Some(AdminOutcome::Fine) => self.number(
                "field-fine",
                true,
                1,
                FINE_MAX,
                ProblemKind::Fine { max: FINE_MAX },
            )?,
            _ => None,
        };
        Ok(AdministrativeCase {
            article,
            part,
            date,
            hearing_at_night,
            lawyer_present,
            outcome,
            arrest_days,
            fine_tenge,
        })
    }

    fn criminal_case(&mut self) -> Result<CriminalCase> {
        let status = self.one("field-status", "status", &codes(CriminalStatus::ALL), false)?;
        let article = self.article("field-criminal-article")?;
        Ok(CriminalCase {
            status,
            article,
            part: self.part()?,
            date: self.date("field-date", false)?,
            basis: self.text("field-basis", false)?,
            searches: None,
            restraint: self.text("field-restraint", false)?,
            sentence: self.text("field-sentence", false)?,
            bans: None,
            forced_repentance: self.maybe("field-repentance")?,
        })
    }

    fn health(&mut self) -> Result<HealthRecord> {
        Ok(HealthRecord {
            what_was_done: self.text("field-what-was-done", true)?.unwrap_or_default(),
            date: self.date("field-date", false)?,
            facility: self.text("field-facility", false)?,
            medical_findings: self.text("field-findings", false)?,
            care_denied: self.maybe("field-care-denied")?,
            complaint_filed: self.maybe("field-complaint-filed")?,
            forced_hospitalisation: self.maybe("field-hospitalised")?,
        })
    }

    fn pressure(&mut self) -> Result<Pressure> {
        let kind = self
            .one(
                "field-pressure-kind",
                "pressure",
                &codes(PressureKind::ALL),
                true,
            )?
            .unwrap_or(PressureKind::Other);
        Ok(Pressure {
            kind,
            date: self.date("field-date", false)?,
            description: self
                .text("field-description", kind == PressureKind::Other)?
                .unwrap_or_default(),
        })
    }

    fn attachment(&mut self) -> Result<AttachmentNote> {
        let kind = self
            .one(
                "field-attachment-kind",
                "attachment",
                &codes(AttachmentKind::ALL),
                true,
            )?
            .unwrap_or(AttachmentKind::Other);
        Ok(AttachmentNote {
            kind,
            date: self.date("field-date", false)?,
            note: self.text("field-note", false)?,
        })
    }

    fn consent(&mut self, form: &mut AppealForm) -> Result<()> {
        self.heading("section-consent")?;
        let c = &mut form.consent;
        c.publish_name = self.yes_no("field-publish-name")?;
        c.publish_age = self.yes_no("field-publish-age")?;
        c.publish_city = self.yes_no("field-publish-city")?;
        if form.identity.occupation.is_some() {
            c.publish_occupation = self.yes_no("field-publish-occupation")?;
        }
        Ok(())
    }

    fn summary(&mut self, f: &AppealForm) -> Result<()> {
        let s = Summary { tr: self.tr };
        let text = s.render(f);
        self.heading("section-summary")?;
        self.say(&text)
    }
}

fn codes<T: Copy + CodeStr>(all: &[T]) -> Vec<(T, &'static str)> {
    all.iter().map(|&c| (c, c.code())).collect()
}

/// The kebab-case code of a list item, which is also the tail of its Fluent key.
trait CodeStr {
    fn code(self) -> &'static str;
}

macro_rules! code_str {
    ($($t:ty),*) => { $(impl CodeStr for $t { fn code(self) -> &'static str { self.as_str() } })* };
}
code_str!(
    Authority,
    IncidentFlag,
    Recorded,
    Paper,
    BroughtBy,
    AdminOutcome,
    CriminalStatus,
    PressureKind,
    AttachmentKind
);

fn words(list: &str) -> Vec<String> {
    list.split(',').map(|w| w.trim().to_lowercase()).collect()
}

fn term_error(e: io::Error) -> CliError {
    CliError::new(format!("cannot use the terminal: {e}"))
}

/// The form as a person reads it back, as lines: `Section:` then `  Label: value` (the
/// staff workspace shows the same text as a table).
pub fn summary(tr: &Tr, form: &AppealForm) -> String {
    Summary { tr }.render(form)
}

/// The form as a person reads it back: labels in their language, values as given.
struct Summary<'a> {
    tr: &'a Tr,
}

impl Summary<'_> {
    fn render(&self, f: &AppealForm) -> String {
        let mut out = Vec::new();
        let id = &f.identity;
        let kv = |out: &mut Vec<String>, indent: &str, key: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                let label = self.tr.get(key);
                let label = label
                    .split([',', '('])
                    .next()
                    .unwrap_or(&label)
                    .trim()
                    .to_owned();
                out.push(format!("{indent}{label}: {v}"));
            }
        };
        out.push(format!("{}:", self.tr.get("section-identity")));
        kv(&mut out, "  ", "field-surname", Some(id.surname.clone()));
        kv(
            &mut out,
            "  ",
            "field-given-name",
            Some(id.given_name.clone()),
        );
        kv(&mut out, "  ", "field-patronymic", id.patronymic.clone());
        kv(
            &mut out,
            "  ",
            "field-other-spellings",
            Some(id.other_spellings.join(", ")),
        );
        kv(&mut out, "  ", "field-age", id.age.map(|a| a.to_string()));
        kv(
            &mut out,
            "  ",
            "field-date-of-birth",
            id.date_of_birth.clone(),
        );
        kv(&mut out, "  ", "field-city", id.city.clone());
        kv(
            &mut out,
            "  ",
            "field-country-abroad",
            id.country_abroad.clone(),
        );
        kv(
            &mut out,
            "  ",
            "field-status-abroad",
            id.status_abroad.clone(),
        );
        kv(&mut out, "  ", "field-citizenship", id.citizenship.clone());
        kv(&mut out, "  ", "field-occupation", id.occupation.clone());
        for (i, m) in id.family.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-family"), i + 1));
            kv(&mut out, "  ", "field-relation", Some(m.relation.clone()));
            kv(
                &mut out,
                "  ",
                "field-relative-age",
                m.age.map(|a| a.to_string()),
            );
            kv(&mut out, "  ", "field-relative-note", m.note.clone());
        }
        let yn =
            |b: Option<bool>| b.map(|b| self.tr.get(if b { "summary-yes" } else { "summary-no" }));
        let list = |list: &str, codes: Vec<&str>| {
            Some(
                codes
                    .iter()
                    .map(|c| self.tr.item(list, c))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        };
        for (i, inc) in f.incidents.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-incidents"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-event",
                Some(self.tr.item("event", &inc.event)),
            );
            kv(&mut out, "  ", "field-date", Some(inc.date.clone()));
            kv(&mut out, "  ", "field-start-time", inc.start_time.clone());
            kv(&mut out, "  ", "field-incident-city", inc.city.clone());
            kv(&mut out, "  ", "field-place", inc.place.clone());
            kv(&mut out, "  ", "field-activity", inc.activity.clone());
            kv(&mut out, "  ", "field-detained", yn(inc.detained));
            kv(
                &mut out,
                "  ",
                "field-authorities",
                list(
                    "authority",
                    inc.authorities.iter().map(|c| c.as_str()).collect(),
                ),
            );
            kv(
                &mut out,
                "  ",
                "field-flags",
                list("flag", inc.flags.iter().map(|c| c.as_str()).collect()),
            );
            kv(
                &mut out,
                "  ",
                "field-recorded",
                list(
                    "recorded",
                    inc.recorded.iter().map(|c| c.as_str()).collect(),
                ),
            );
            kv(
                &mut out,
                "  ",
                "field-papers",
                list(
                    "paper",
                    inc.papers_signed.iter().map(|c| c.as_str()).collect(),
                ),
            );
            kv(
                &mut out,
                "  ",
                "field-items-seized",
                inc.items_seized.clone(),
            );
            kv(&mut out, "  ", "field-injuries", inc.injuries.clone());
            kv(&mut out, "  ", "field-minors", yn(inc.minors_present));
            kv(
                &mut out,
                "  ",
                "field-description",
                Some(inc.description.clone()),
            );
        }
        for (i, q) in f.interrogations.iter().enumerate() {
            out.push(format!(
                "{} {}:",
                self.tr.get("section-interrogations"),
                i + 1
            ));
            kv(&mut out, "  ", "field-date", Some(q.date.clone()));
            kv(
                &mut out,
                "  ",
                "field-body",
                q.body.map(|b| self.tr.item("authority", b.as_str())),
            );
            kv(
                &mut out,
                "  ",
                "field-brought-by",
                q.brought_by.map(|b| self.tr.item("brought", b.as_str())),
            );
            kv(&mut out, "  ", "field-questions", q.questions.clone());
            kv(&mut out, "  ", "field-threats", q.threats.clone());
        }
        for (i, a) in f.administrative_cases.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-admin"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-admin-article",
                Some(a.article.clone()),
            );
            kv(&mut out, "  ", "field-part", a.part.map(|p| p.to_string()));
            kv(&mut out, "  ", "field-date", a.date.clone());
            kv(
                &mut out,
                "  ",
                "field-hearing-night",
                yn(a.hearing_at_night),
            );
            kv(&mut out, "  ", "field-lawyer-present", yn(a.lawyer_present));
            kv(
                &mut out,
                "  ",
                "field-outcome",
                a.outcome.map(|o| self.tr.item("outcome", o.as_str())),
            );
            kv(
                &mut out,
                "  ",
                "field-arrest-days",
                a.arrest_days
                    .map(|d| fl!(self.tr.loader(), "summary-days", days = d.to_string())),
            );
            kv(
                &mut out,
                "  ",
                "field-fine",
                a.fine_tenge
                    .map(|t| fl!(self.tr.loader(), "summary-tenge", tenge = t.to_string())),
            );
        }
        for (i, k) in f.criminal_cases.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-criminal"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-status",
                k.status.map(|s| self.tr.item("status", s.as_str())),
            );
            kv(
                &mut out,
                "  ",
                "field-criminal-article",
                Some(k.article.clone()),
            );
            kv(&mut out, "  ", "field-part", k.part.map(|p| p.to_string()));
            kv(&mut out, "  ", "field-date", k.date.clone());
            kv(&mut out, "  ", "field-basis", k.basis.clone());
            kv(&mut out, "  ", "field-restraint", k.restraint.clone());
            kv(&mut out, "  ", "field-sentence", k.sentence.clone());
            kv(&mut out, "  ", "field-repentance", yn(k.forced_repentance));
        }
        for (i, h) in f.health.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-health"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-what-was-done",
                Some(h.what_was_done.clone()),
            );
            kv(&mut out, "  ", "field-date", h.date.clone());
            kv(&mut out, "  ", "field-facility", h.facility.clone());
            kv(&mut out, "  ", "field-findings", h.medical_findings.clone());
            kv(&mut out, "  ", "field-care-denied", yn(h.care_denied));
            kv(
                &mut out,
                "  ",
                "field-complaint-filed",
                yn(h.complaint_filed),
            );
            kv(
                &mut out,
                "  ",
                "field-hospitalised",
                yn(h.forced_hospitalisation),
            );
        }
        for (i, p) in f.other_pressure.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-pressure"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-pressure-kind",
                Some(self.tr.item("pressure", p.kind.as_str())),
            );
            kv(&mut out, "  ", "field-date", p.date.clone());
            kv(
                &mut out,
                "  ",
                "field-description",
                Some(p.description.clone()),
            );
        }
        for (i, a) in f.attachments.iter().enumerate() {
            out.push(format!("{} {}:", self.tr.get("section-attachments"), i + 1));
            kv(
                &mut out,
                "  ",
                "field-attachment-kind",
                Some(self.tr.item("attachment", a.kind.as_str())),
            );
            kv(&mut out, "  ", "field-date", a.date.clone());
            kv(&mut out, "  ", "field-note", a.note.clone());
        }
        out.push(format!("{}:", self.tr.get("section-consent")));
        let c = &f.consent;
        kv(
            &mut out,
            "  ",
            "field-publish-name",
            yn(Some(c.publish_name)),
        );
        kv(&mut out, "  ", "field-publish-age", yn(Some(c.publish_age)));
        kv(
            &mut out,
            "  ",
            "field-publish-city",
            yn(Some(c.publish_city)),
        );
        if id.occupation.is_some() {
            kv(
                &mut out,
                "  ",
                "field-publish-occupation",
                yn(Some(c.publish_occupation)),
            );
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amanat_protocol::form::Language;

    fn drive(lang: Language, answers: &[&str]) -> (Result<Option<AppealForm>>, String) {
        let tr = Tr::new(lang).unwrap();
        let input = answers.join("\n") + "\n";
        let mut reader = io::Cursor::new(input.into_bytes());
        let mut out = Vec::new();
        let today = Date::parse("2026-11-24").unwrap();
        let r = run(&tr, &mut reader, &mut out, today);
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_short_english_form() {
        let (r, out) = drive(
            Language::En,
            &[
                "y",
                "Doe",
                "Jane",
                "",
                "",
                "34",
                "",
                "Almaty",
                "",
                "",
                "",  // identity
                "n", // family
                "y",
                "1",
                "2018-05-10",
                "",
                "Almaty",
                "",
                "",
                "",
                "1,6",
                "3",
                "",
                "",
                "",
                "",
                "",
                "",
                "n", // incidents: one
                "n",
                "y",
                "488",
                "6",
                "",
                "y",
                "",
                "2",
                "15 000",
                "n", // admin: a fine
                "n",
                "n",
                "n",
                "n", // criminal, health, pressure, attachments
                "y",
                "y",
                "n", // consent
                "y", // confirm
            ],
        );
        let form = r.unwrap().unwrap();
        assert_eq!(form.identity.surname, "Doe");
        assert_eq!(form.identity.age, Some(34));
        assert_eq!(
            form.incidents[0].authorities,
            [Authority::Police, Authority::PlainClothes]
        );
        assert_eq!(form.incidents[0].flags, [IncidentFlag::PhoneSeized]);
        assert_eq!(form.administrative_cases[0].fine_tenge, Some(15_000));
        assert!(form.consent.publish_name && !form.consent.publish_city);
        assert!(out.contains("Please check your answers"), "{out}");
    }

    #[test]
    fn re_asks_until_an_answer_is_valid() {
        let (r, out) = drive(
            Language::Ru,
            &[
                "д",
                "Иванова",
                "Анна",
                "",
                "",
                "сто",
                "7",
                "30",
                "2030-01-01",
                "1990-02-30",
                "1990-02-03",
                "",
                "",
                "",
                "",
                "н",
                "н",
                "н",
                "д",
                "48 8",
                "488",
                "",
                "",
                "",
                "",
                "2",
                "1500,50",
                "1500",
                "н",
                "н",
                "н",
                "н",
                "н",
                "д",
                "д",
                "д",
                "н",
            ],
        );
        assert!(r.is_err());
        assert!(out.contains("Напишите число"), "{out}");
        assert!(out.contains("должно быть от 10 до 120"), "{out}");
        assert!(out.contains("дата не может быть в будущем"), "{out}");
        assert!(out.contains("нужна настоящая дата"), "{out}");
        assert!(out.contains("нужен номер статьи"), "{out}");
        assert!(out.contains("целое число тенге"), "{out}");
        assert!(out.contains("Штраф: 1500 тенге"), "{out}");
        assert!(r.unwrap_err().message.contains("ничего не отправлено"));
    }

    #[test]
    fn lookalikes_are_questioned() {
        let (r, out) = drive(Language::Kk, &["и", "\u{410}sel", "ж", "Asel", "Nurova"]);
        assert!(r.is_err(), "ended by end of input");
        assert!(out.contains("ұқсас әріптері"), "{out}");
    }

    #[test]
    fn declining_sends_no_form() {
        let (r, _) = drive(Language::En, &["n"]);
        assert!(r.unwrap().is_none());
    }
}
