//! Validation: every problem in a form at once, each named by its field path
//! (`incidents[1].date`) and carried as data, so the client can say it in the person's
//! language. English wording lives in `Display`; look-alike words are flags, not errors.

use std::fmt;

use super::{AdminOutcome, AppealForm, EVENTS, LONG_TEXT, SHORT_TEXT, text::mixed_script_words};

/// A calendar date, `YYYY-MM-DD`, between 1900 and 2100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` unless it is a real date.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r)
                .filter(|x| x.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|x| x.parse::<u32>().ok())
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1900..=2100).contains(&year) && (1..=days).contains(&day)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// The date of a Unix time, in UTC.
    pub fn from_unix(secs: i64) -> Date {
        let t = crate::time::Utc::from_unix(secs);
        // Dates before year 0 or after 4 294 967 295 are not the dates of any form.
        Date {
            year: u32::try_from(t.year).unwrap_or(0),
            month: t.month,
            day: t.day,
        }
    }

    /// Today, in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_unix(secs)
    }

    /// Whole years from `self` to `later`.
    pub fn years_until(self, later: Date) -> u32 {
        let mut y = later.year.saturating_sub(self.year);
        if (later.month, later.day) < (self.month, self.day) {
            y = y.saturating_sub(1);
        }
        y
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What is wrong with one field. `Display` gives the English sentence; clients translate
/// by variant (the Fluent key is `problem-` followed by [`ProblemKind::key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The JSON does not parse or has the wrong shape.
    Syntax {
        detail: String,
    },
    Version {
        found: u32,
    },
    Empty,
    /// Too long, or contains control characters.
    Text {
        max: usize,
    },
    Age {
        min: u32,
        max: u32,
    },
    UnknownEvent,
    OtherNeedsText,
    BadDate,
    FutureDate,
    /// A date earlier than another it must follow (`after` is that field's path).
    DateOrder {
        after: String,
    },
    BadTime,
    BadArticle,
    BadPart {
        max: u32,
    },
    ArrestDays {
        max: u32,
    },
    MissingArrestDays,
    Fine {
        max: u64,
    },
    MissingFine,
    /// A value that only applies with another outcome (`outcome` is its code).
    OnlyWithOutcome {
        outcome: &'static str,
    },
    DocumentNumber,
    NoPowers,
}

impl ProblemKind {
    /// The stable name of the variant, used as a translation key.
    pub fn key(&self) -> &'static str {
        match self {
            ProblemKind::Syntax { .. } => "syntax",
            ProblemKind::Version { .. } => "version",
            ProblemKind::Empty => "empty",
            ProblemKind::Text { .. } => "text",
            ProblemKind::Age { .. } => "age",
            ProblemKind::UnknownEvent => "unknown-event",
            ProblemKind::OtherNeedsText => "other-needs-text",
            ProblemKind::BadDate => "bad-date",
            ProblemKind::FutureDate => "future-date",
            ProblemKind::DateOrder { .. } => "date-order",
            ProblemKind::BadTime => "bad-time",
            ProblemKind::BadArticle => "bad-article",
            ProblemKind::BadPart { .. } => "bad-part",
            ProblemKind::ArrestDays { .. } => "arrest-days",
            ProblemKind::MissingArrestDays => "missing-arrest-days",
            ProblemKind::Fine { .. } => "fine",
            ProblemKind::MissingFine => "missing-fine",
            ProblemKind::OnlyWithOutcome { .. } => "only-with-outcome",
            ProblemKind::DocumentNumber => "document-number",
            ProblemKind::NoPowers => "no-powers",
        }
    }

    /// The values a translation may use, as (name, value) pairs.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ProblemKind::Syntax { detail } => vec![("detail", detail.clone())],
            ProblemKind::Version { found } => vec![("found", found.to_string())],
            ProblemKind::Text { max } => vec![("max", max.to_string())],
            ProblemKind::Age { min, max } => {
                vec![("min", min.to_string()), ("max", max.to_string())]
            }
            ProblemKind::UnknownEvent => vec![("events", EVENTS.join(", "))],
            ProblemKind::DateOrder { after } => vec![("after", after.clone())],
            ProblemKind::BadPart { max } | ProblemKind::ArrestDays { max } => {
                vec![("max", max.to_string())]
            }
            ProblemKind::Fine { max } => vec![("max", max.to_string())],
            ProblemKind::OnlyWithOutcome { outcome } => vec![("outcome", (*outcome).to_owned())],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Syntax { detail } => write!(f, "{detail}"),
            ProblemKind::Version { .. } => write!(f, "must be 1 or 2"),
            ProblemKind::Empty => write!(f, "must not be empty"),
            ProblemKind::Text { max } => write!(f, "must be at most {max} printable characters"),
            ProblemKind::Age { min, max } => write!(f, "must be between {min} and {max}"),
            ProblemKind::UnknownEvent => write!(f, "must be one of {}", EVENTS.join(", ")),
            ProblemKind::OtherNeedsText => {
                write!(f, "say what happened when the event is \"other\"")
            }
            ProblemKind::BadDate => write!(f, "must be a real date written YYYY-MM-DD"),
            ProblemKind::FutureDate => write!(f, "must not be in the future"),
            ProblemKind::DateOrder { after } => write!(f, "must not be earlier than {after}"),
            ProblemKind::BadTime => write!(f, "must be a time written HH:MM, e.g. 14:30"),
            ProblemKind::BadArticle => write!(
                f,
                "must be an article number such as 488 or 73-1 (the part goes in its own field)"
            ),
            ProblemKind::BadPart { max } => write!(f, "must be a part number from 1 to {max}"),
            ProblemKind::ArrestDays { max } => {
                write!(f, "must be a number of days from 1 to {max}")
            }
            ProblemKind::MissingArrestDays => write!(f, "give the number of days of arrest"),
            ProblemKind::Fine { max } => {
                write!(f, "must be a whole number of tenge from 1 to {max}")
            }
            ProblemKind::MissingFine => write!(f, "give the fine in whole tenge"),
            ProblemKind::OnlyWithOutcome { outcome } => {
                write!(f, "only applies when the outcome is {outcome}")
            }
            ProblemKind::DocumentNumber => {
                write!(
                    f,
                    "must be the document's number: 6 to 12 letters and digits"
                )
            }
            ProblemKind::NoPowers => write!(f, "name at least one power granted"),
        }
    }
}

/// One problem found in a form, with the path of the field (`incidents[1].date`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.kind)
    }
}

/// A word a reviewer should look at twice: it mixes letters of two scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub field: String,
    pub word: String,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {:?} mixes letters of different scripts that look alike",
            self.field, self.word
        )
    }
}

/// Plausible ages of a complainant or a relative.
pub const AGE_MIN: u32 = 10;
pub const AGE_MAX: u32 = 120;
/// Longest administrative arrest the Code allows, with a margin.
pub const ARREST_DAYS_MAX: u32 = 90;
/// A fine above a hundred million tenge is a typo.
pub const FINE_MAX: u64 = 100_000_000;
pub const PART_MAX: u32 = 20;

/// Collects problems for one form.
pub(crate) struct Checker {
    pub problems: Vec<Problem>,
    pub today: Date,
}

impl Checker {
    pub fn new(today: Date) -> Self {
        Checker {
            problems: Vec::new(),
            today,
        }
    }

    pub fn bad(&mut self, field: impl Into<String>, kind: ProblemKind) {
        self.problems.push(Problem {
            field: field.into(),
            kind,
        });
    }

    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.bad(field, ProblemKind::Empty);
        }
    }

    /// Length and printable characters; free text may hold line breaks and tabs.
    pub fn text(&mut self, field: &str, value: Option<&str>, long: bool) {
        let Some(v) = value else { return };
        let max = if long { LONG_TEXT } else { SHORT_TEXT };
        let bad_char = |c: char| c.is_control() && !(long && matches!(c, '\n' | '\t' | '\r'));
        if v.chars().count() > max || v.chars().any(bad_char) {
            self.bad(field, ProblemKind::Text { max });
        }
    }

    /// A past (or today's) date; returns it when valid.
    pub fn date(&mut self, field: &str, value: Option<&str>) -> Option<Date> {
        let v = value?;
        match Date::parse(v) {
            None => {
                self.bad(field, ProblemKind::BadDate);
                None
            }
            Some(d) if d > self.today => {
                self.bad(field, ProblemKind::FutureDate);
                None
            }
            Some(d) => Some(d),
        }
    }

    pub fn time(&mut self, field: &str, value: Option<&str>) {
        let Some(v) = value else { return };
        if !is_time(v) {
            self.bad(field, ProblemKind::BadTime);
        }
    }

    pub fn age(&mut self, field: &str, value: Option<u32>) {
        if let Some(a) = value
            && !(AGE_MIN..=AGE_MAX).contains(&a)
        {
            self.bad(
                field,
                ProblemKind::Age {
                    min: AGE_MIN,
                    max: AGE_MAX,
                },
            );
        }
    }

    /// `488`, `73-1`: one to three digits, optionally a dash and one or two more.
    pub fn article(&mut self, field: &str, value: &str, part_field: &str, part: Option<u32>) {
        if !is_article(value) {
            self.bad(field, ProblemKind::BadArticle);
        }
        if let Some(p) = part
            && !(1..=PART_MAX).contains(&p)
        {
            self.bad(part_field, ProblemKind::BadPart { max: PART_MAX });
        }
    }
}

/// Whether `v` is a time of day written `HH:MM`.
pub fn is_time(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && [b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit)
        && (b[0] - b'0') * 10 + (b[1] - b'0') < 24
        && (b[3] - b'0') * 10 + (b[4] - b'0') < 60
}

/// Whether `s` is a well-formed article number of the Administrative or Criminal Code.
pub fn is_article(s: &str) -> bool {
    let (main, sub) = match s.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let digits = |x: &str, max: usize| {
        !x.is_empty()
            && x.len() <= max
            && x.bytes().all(|b| b.is_ascii_digit())
            && !x.starts_with('0')
    };
    digits(main, 3) && sub.is_none_or(|b| digits(b, 2))
}

pub(crate) fn appeal_form(form: &AppealForm, today: Date) -> Vec<Problem> {
    let mut c = Checker::new(today);
    if !(1..=super::FORM_VERSION).contains(&form.version) {
        c.bad(
            "version",
            ProblemKind::Version {
                found: form.version,
            },
        );
    }
    let id = &form.identity;
    c.required("identity.surname", &id.surname);
    c.required("identity.given_name", &id.given_name);
    for (field, value) in [
        ("identity.surname", Some(&id.surname)),
        ("identity.given_name", Some(&id.given_name)),
        ("identity.patronymic", id.patronymic.as_ref()),
        ("identity.city", id.city.as_ref()),
        ("identity.country_abroad", id.country_abroad.as_ref()),
        ("identity.status_abroad", id.status_abroad.as_ref()),
        ("identity.citizenship", id.citizenship.as_ref()),
        ("identity.occupation", id.occupation.as_ref()),
    ] {
        c.text(field, value.map(String::as_str), false);
    }
    for (i, s) in id.other_spellings.iter().enumerate() {
        c.required(&format!("identity.other_spellings[{i}]"), s);
        c.text(&format!("identity.other_spellings[{i}]"), Some(s), false);
    }
    c.age("identity.age", id.age);
    c.date("identity.age_as_of", id.age_as_of.as_deref());
    c.date("identity.date_of_birth", id.date_of_birth.as_deref());
    for (i, m) in id.family.iter().enumerate() {
        let f = format!("identity.family[{i}]");
        c.required(&format!("{f}.relation"), &m.relation);
        c.text(&format!("{f}.relation"), Some(&m.relation), false);
        if let Some(a) = m.age
            && a > AGE_MAX
        {
            c.bad(
                format!("{f}.age"),
                ProblemKind::Age {
                    min: 0,
                    max: AGE_MAX,
                },
            );
        }
        c.text(&format!("{f}.note"), m.note.as_deref(), true);
    }

    for (i, inc) in form.incidents.iter().enumerate() {
        let f = format!("incidents[{i}]");
        if !EVENTS.contains(&inc.event.as_str()) {
            c.bad(format!("{f}.event"), ProblemKind::UnknownEvent);
        }
        if inc.event == "other" && inc.description.trim().is_empty() {
            c.bad(format!("{f}.description"), ProblemKind::OtherNeedsText);
        }
        c.date(&format!("{f}.date"), Some(&inc.date));
        c.time(&format!("{f}.start_time"), inc.start_time.as_deref());
        c.time(&format!("{f}.end_time"), inc.end_time.as_deref());
        for (name, v) in [("city", &inc.city), ("place", &inc.place)] {
            c.text(&format!("{f}.{name}"), v.as_deref(), false);
        }
        for (name, v) in [
            ("activity", &inc.activity),
            ("items_seized", &inc.items_seized),
            ("injuries", &inc.injuries),
        ] {
            c.text(&format!("{f}.{name}"), v.as_deref(), true);
        }
        c.text(&format!("{f}.description"), Some(&inc.description), true);
    }

    for (i, q) in form.interrogations.iter().enumerate() {
        let f = format!("interrogations[{i}]");
        c.date(&format!("{f}.date"), Some(&q.date));
        c.text(&format!("{f}.questions"), q.questions.as_deref(), true);
        c.text(&format!("{f}.threats"), q.threats.as_deref(), true);
    }

    for (i, a) in form.administrative_cases.iter().enumerate() {
        let f = format!("administrative_cases[{i}]");
        c.article(
            &format!("{f}.article"),
            &a.article,
            &format!("{f}.part"),
            a.part,
        );
        c.date(&format!("{f}.date"), a.date.as_deref());
        match (a.outcome, a.arrest_days) {
            (Some(AdminOutcome::Arrest), None) => {
                c.bad(format!("{f}.arrest_days"), ProblemKind::MissingArrestDays)
            }
            (Some(AdminOutcome::Arrest), Some(d)) if !(1..=ARREST_DAYS_MAX).contains(&d) => c.bad(
                format!("{f}.arrest_days"),
                ProblemKind::ArrestDays {
                    max: ARREST_DAYS_MAX,
                },
            ),
            (Some(AdminOutcome::Arrest), Some(_)) | (_, None) => {}
            (_, Some(_)) => c.bad(
                format!("{f}.arrest_days"),
                ProblemKind::OnlyWithOutcome { outcome: "arrest" },
            ),
        }
        match (a.outcome, a.fine_tenge) {
            (Some(AdminOutcome::Fine), None) => {
                c.bad(format!("{f}.fine_tenge"), ProblemKind::MissingFine)
            }
            (Some(AdminOutcome::Fine), Some(t)) if !(1..=FINE_MAX).contains(&t) => c.bad(
                format!("{f}.fine_tenge"),
                ProblemKind::Fine { max: FINE_MAX },
            ),
            (Some(AdminOutcome::Fine), Some(_)) | (_, None) => {}
            (_, Some(_)) => c.bad(
                format!("{f}.fine_tenge"),
                ProblemKind::OnlyWithOutcome { outcome: "fine" },
            ),
        }
    }

    for (i, k) in form.criminal_cases.iter().enumerate() {
        let f = format!("criminal_cases[{i}]");
        c.article(
            &format!("{f}.article"),
            &k.article,
            &format!("{f}.part"),
            k.part,
        );
        c.date(&format!("{f}.date"), k.date.as_deref());
        for (name, v) in [
            ("basis", &k.basis),
            ("searches", &k.searches),
            ("restraint", &k.restraint),
            ("sentence", &k.sentence),
            ("bans", &k.bans),
        ] {
            c.text(&format!("{f}.{name}"), v.as_deref(), true);
        }
    }

    for (i, h) in form.health.iter().enumerate() {
        let f = format!("health[{i}]");
        c.date(&format!("{f}.date"), h.date.as_deref());
        c.text(&format!("{f}.facility"), h.facility.as_deref(), false);
        c.required(&format!("{f}.what_was_done"), &h.what_was_done);
        c.text(&format!("{f}.what_was_done"), Some(&h.what_was_done), true);
        c.text(
            &format!("{f}.medical_findings"),
            h.medical_findings.as_deref(),
            true,
        );
    }

    for (i, p) in form.other_pressure.iter().enumerate() {
        let f = format!("other_pressure[{i}]");
        c.date(&format!("{f}.date"), p.date.as_deref());
        if p.kind == super::PressureKind::Other && p.description.trim().is_empty() {
            c.bad(format!("{f}.description"), ProblemKind::OtherNeedsText);
        }
        c.text(&format!("{f}.description"), Some(&p.description), true);
    }

    for (i, a) in form.attachments.iter().enumerate() {
        let f = format!("attachments[{i}]");
        c.date(&format!("{f}.date"), a.date.as_deref());
        c.text(&format!("{f}.note"), a.note.as_deref(), true);
    }
    c.problems
}

/// Mixed-script words in the fields a spoofer would target: names and places.
pub(crate) fn lookalikes(form: &AppealForm) -> Vec<Flag> {
    let id = &form.identity;
    let mut fields: Vec<(String, &str)> = vec![
        ("identity.surname".into(), id.surname.as_str()),
        ("identity.given_name".into(), id.given_name.as_str()),
    ];
    if let Some(p) = &id.patronymic {
        fields.push(("identity.patronymic".into(), p));
    }
    if let Some(p) = &id.city {
        fields.push(("identity.city".into(), p));
    }
    for (i, s) in id.other_spellings.iter().enumerate() {
        fields.push((format!("identity.other_spellings[{i}]"), s));
    }
    for (i, inc) in form.incidents.iter().enumerate() {
        if let Some(p) = &inc.city {
            fields.push((format!("incidents[{i}].city"), p));
        }
    }
    fields
        .into_iter()
        .flat_map(|(field, v)| {
            mixed_script_words(v).into_iter().map(move |word| Flag {
                field: field.clone(),
                word,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    fn today() -> Date {
        Date::parse("2026-11-24").unwrap()
    }

    fn base() -> AppealForm {
        let mut f = AppealForm::new(Language::En);
        f.identity.surname = "Doe".into();
        f.identity.given_name = "Jane".into();
        f
    }

    fn fields(f: &AppealForm) -> Vec<String> {
        f.problems_as_of(today())
            .into_iter()
            .map(|p| format!("{}={}", p.field, p.kind.key()))
            .collect()
    }

    #[test]
    fn dates_are_real_and_not_in_the_future() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2018-5-10").is_none());
        assert!(Date::parse("2018-05-1x").is_none());
        assert!(Date::parse("+018-05-10").is_none());
        assert_eq!(Date::from_unix(951_782_400).to_string(), "2000-02-29");
        let mut f = base();
        f.incidents.push(Incident {
            event: "rally-2018-05-10".into(),
            date: "2027-01-01".into(),
            ..Default::default()
        });
        f.identity.date_of_birth = Some("1990-13-01".into());
        assert_eq!(
            fields(&f),
            [
                "identity.date_of_birth=bad-date",
                "incidents[0].date=future-date"
            ]
        );
    }

    #[test]
    fn money_days_and_articles() {
        let mut f = base();
        f.administrative_cases = vec![
            AdministrativeCase {
                article: "488".into(),
                part: Some(6),
                outcome: Some(AdminOutcome::Arrest),
                ..Default::default()
            },
            AdministrativeCase {
                article: "0488".into(),
                outcome: Some(AdminOutcome::Fine),
                fine_tenge: Some(0),
                arrest_days: Some(3),
                ..Default::default()
            },
            AdministrativeCase {
                article: "73-1".into(),
                part: Some(44),
                outcome: Some(AdminOutcome::Arrest),
                arrest_days: Some(400),
                ..Default::default()
            },
        ];
        f.criminal_cases.push(CriminalCase {
            article: "174 ч.1".into(),
            ..Default::default()
        });
        assert_eq!(
            fields(&f),
            [
                "administrative_cases[0].arrest_days=missing-arrest-days",
                "administrative_cases[1].article=bad-article",
                "administrative_cases[1].arrest_days=only-with-outcome",
                "administrative_cases[1].fine_tenge=fine",
                "administrative_cases[2].part=bad-part",
                "administrative_cases[2].arrest_days=arrest-days",
                "criminal_cases[0].article=bad-article",
            ]
        );
        for good in ["488", "73-1", "405", "1", "174-12"] {
            assert!(is_article(good), "{good}");
        }
        assert!(is_time("00:00") && is_time("23:59"));
        assert!(!is_time("24:00") && !is_time("9:05") && !is_time("é:00") && !is_time("12.30"));
        for bad in ["", "4888", "-1", "488-", "488-123", "488.6", "١٧٤"] {
            assert!(!is_article(bad), "{bad}");
        }
    }

    #[test]
    fn times_and_texts() {
        let mut f = base();
        f.identity.occupation = Some("x".repeat(201));
        f.identity.city = Some("Алматы\u{7}".into());
        f.incidents.push(Incident {
            event: "other".into(),
            date: "2018-07-06".into(),
            start_time: Some("24:00".into()),
            end_time: Some("09:05".into()),
            description: "line one\nline two".into(),
            ..Default::default()
        });
        assert_eq!(
            fields(&f),
            [
                "identity.city=text",
                "identity.occupation=text",
                "incidents[0].start_time=bad-time"
            ]
        );
    }

    #[test]
    fn flags_lookalikes_without_refusing_them() {
        let mut f = base();
        f.identity.surname = "Ахм\u{65}това".into(); // Latin e among Cyrillic letters
        f.identity.given_name = "Әйгерім".into();
        assert!(f.problems_as_of(today()).is_empty());
        let flags = f.flags();
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].field, "identity.surname");
    }

    #[test]
    fn every_problem_has_english_text_and_a_key() {
        let kinds = [
            ProblemKind::Empty,
            ProblemKind::Age { min: 1, max: 2 },
            ProblemKind::OnlyWithOutcome { outcome: "fine" },
        ];
        for k in kinds {
            assert!(!k.to_string().is_empty());
            assert!(!k.key().is_empty());
        }
    }
}
