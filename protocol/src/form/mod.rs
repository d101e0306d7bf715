//! The appeal form and the power-of-attorney details as JSON, after the foundation's own
//! paper forms (`shared/design/taxonomy.md`). Version 2 adds optional sections to version 1;
//! every version-1 form is still valid. Unknown fields are refused so typos surface.

pub mod check;
pub mod places;
pub mod poa;
pub mod text;

use serde::{Deserialize, Serialize};

pub use check::{Date, Flag, Problem, ProblemKind};
pub use poa::PowerOfAttorneyDetails;

/// The version this crate writes. It reads 1 and 2.
pub const FORM_VERSION: u32 = 2;

/// Longest short text (a name, a city) and longest free text (a description), in characters.
pub const SHORT_TEXT: usize = 200;
pub const LONG_TEXT: usize = 20_000;

/// The languages a form may be written in, and the interface speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Kk,
    Ru,
    En,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Kk, Language::Ru, Language::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Kk => "kk",
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    /// `kk`, `ru`, `en`, also as locale names (`ru_RU.UTF-8`, `kk-KZ`, `en_GB`).
    pub fn from_tag(tag: &str) -> Option<Language> {
        let lang: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        match lang.as_str() {
            "kk" | "kaz" => Some(Language::Kk),
            "ru" | "rus" => Some(Language::Ru),
            "en" | "eng" => Some(Language::En),
            _ => None,
        }
    }
}

/// Declares an enum of kebab-case codes with the list of all of them.
macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( #[serde(rename = $code)] $variant ),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use codes;

codes!(
    /// Who was present or acted.
    Authority {
        Police = "police",
        InternalAffairs = "internal-affairs",
        NationalSecurity = "national-security",
        Prosecutor = "prosecutor",
        LocalAdministration = "local-administration",
        PlainClothes = "plain-clothes",
        Other = "other",
    }
);

codes!(
    /// What was done to, or withheld from, the person during an incident.
    IncidentFlag {
        LawyerDenied = "lawyer-denied",
        CallDenied = "call-denied",
        PhoneSeized = "phone-seized",
        VideosDeleted = "videos-deleted",
        Fingerprinted = "fingerprinted",
        Photographed = "photographed",
    }
);

codes!(
    /// What the authorities wrote down about the person.
    Recorded {
        IdNumber = "id-number",
        Address = "address",
        Workplace = "workplace",
        Family = "family",
        PhoneImei = "phone-imei",
        Other = "other",
    }
);

codes!(
    /// Papers the person was made to sign.
    Paper {
        ExplanatoryNote = "explanatory-note",
        Renunciation = "renunciation",
        Pledge = "pledge-not-to-attend",
        Other = "other",
    }
);

codes!(
    /// How a person came to be interrogated.
    BroughtBy {
        Summons = "summons",
        Forced = "forced",
        Lured = "lured",
        Other = "other",
    }
);

codes!(
    /// How an administrative case ended (so far).
    AdminOutcome {
        Arrest = "arrest",
        Fine = "fine",
        Warning = "warning",
        Closed = "closed",
        Pending = "pending",
    }
);

codes!(
    /// The person's standing in a criminal case.
    CriminalStatus {
        Witness = "witness",
        Suspect = "suspect",
        Accused = "accused",
        Convicted = "convicted",
        Acquitted = "acquitted",
    }
);

codes!(
    /// Pressure besides detentions and cases.
    PressureKind {
        Surveillance = "surveillance",
        Family = "family",
        School = "school",
        Employer = "employer",
        Landlord = "landlord",
        ExitBan = "exit-ban",
        WantedList = "wanted-list",
        Extradition = "extradition",
        Attack = "attack",
        LawyerPressured = "lawyer-pressured",
        Other = "other",
    }
);

codes!(
    /// What an attached document is.
    AttachmentKind {
        SeizureRecord = "seizure-record",
        InterrogationRecord = "interrogation-record",
        CourtDecision = "court-decision",
        Photo = "photo",
        Video = "video",
        MedicalRecord = "medical-record",
        Other = "other",
    }
);

/// The events the foundation groups cases by (a person may be in several, or in none).
pub const EVENTS: [&str; 8] = [
    "rally-2018-05-10",
    "rally-2018-06-23",
    "preventive-2018-07-06",
    "ep-delegation-2018-09",
    "blue-balloons",
    "explanatory-note",
    "social-media-prosecution",
    "other",
];

/// Events that were, by their nature, detentions (the others may or may not have been).
const DETENTION_EVENTS: [&str; 4] = [
    "rally-2018-05-10",
    "rally-2018-06-23",
    "preventive-2018-07-06",
    "ep-delegation-2018-09",
];

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealForm {
    /// Schema version: 1 or 2.
    pub version: u32,
    pub language: Language,
    pub identity: Identity,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interrogations: Vec<Interrogation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub administrative_cases: Vec<AdministrativeCase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criminal_cases: Vec<CriminalCase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_pressure: Vec<Pressure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentNote>,
    #[serde(default)]
    pub consent: Consent,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// Other spellings of the name (passport Latin, older documents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_spellings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    /// The date the age refers to (`YYYY-MM-DD`); the form's date if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Home city, town or province, as the person names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country of residence, if abroad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_abroad: Option<String>,
    /// Status abroad, e.g. asylum seeker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_abroad: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizenship: Option<String>,
    /// Occupation or role: blogger, journalist, trade unionist, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub family: Vec<FamilyMember>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyMember {
    /// Mother, son, husband, …
    pub relation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    /// How the persecution touched them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// An event code from [`EVENTS`], or "other" with a description.
    pub event: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Square, street, police station.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// What the person was doing: protesting, passing by, filming, carrying a blue balloon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// Whether the person was detained; if absent, the event says (rallies were detentions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detained: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<Authority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<IncidentFlag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded: Vec<Recorded>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub papers_signed: Vec<Paper>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_seized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injuries: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minors_present: Option<bool>,
    #[serde(default)]
    pub description: String,
}

impl Incident {
    /// Whether this incident counts as a detention.
    pub fn is_detention(&self) -> bool {
        self.detained
            .unwrap_or_else(|| DETENTION_EVENTS.contains(&self.event.as_str()))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interrogation {
    pub date: String,
    /// The body that questioned the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Authority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brought_by: Option<BroughtBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<String>,
    /// Threats and demands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threats: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdministrativeCase {
    /// Administrative Code article, e.g. `488` or `73-1`.
    pub article: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hearing_at_night: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawyer_present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AdminOutcome>,
    /// With outcome `arrest`: days of administrative arrest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrest_days: Option<u32>,
    /// With outcome `fine`: the fine, in whole tenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_tenge: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriminalCase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CriminalStatus>,
    /// Criminal Code article, e.g. `174` or `405`.
    pub article: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// What the charge rests on (posts, chats, testimony).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searches: Option<String>,
    /// Measure of restraint: custody, house arrest, travel ban, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bans: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_repentance: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    pub what_was_done: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_findings: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_filed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_denied: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_hospitalisation: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pressure {
    pub kind: PressureKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentNote {
    pub kind: AttachmentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Which fields the person agrees to see in the published annex. Everything else stays
/// confidential; the annex never shows more than name, age, city (and occupation if agreed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    #[serde(default)]
    pub publish_name: bool,
    #[serde(default)]
    pub publish_age: bool,
    #[serde(default)]
    pub publish_city: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub publish_occupation: bool,
}

impl AppealForm {
    /// An empty form in `language`, at the current version.
    pub fn new(language: Language) -> Self {
        AppealForm {
            version: FORM_VERSION,
            language,
            identity: Identity::default(),
            incidents: Vec::new(),
            interrogations: Vec::new(),
            administrative_cases: Vec::new(),
            criminal_cases: Vec::new(),
            health: Vec::new(),
            other_pressure: Vec::new(),
            attachments: Vec::new(),
            consent: Consent::default(),
        }
    }

    /// Parses JSON, NFC-normalises and trims every string, and checks the content as of
    /// today (UTC). A syntax or shape error comes back as one problem with line and column.
    pub fn from_json(text: &str) -> Result<Self, Vec<Problem>> {
        Self::from_json_as_of(text, Date::today())
    }

    /// [`from_json`](Self::from_json) with an explicit "today", for dates in the future.
    pub fn from_json_as_of(text: &str, today: Date) -> Result<Self, Vec<Problem>> {
        let form: AppealForm = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                field: format!("line {}, column {}", e.line(), e.column()),
                kind: ProblemKind::Syntax {
                    detail: e.to_string(),
                },
            }]
        })?;
        let form = form.normalized();
        let problems = form.problems_as_of(today);
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(problems)
        }
    }

    /// The same form with every string NFC-normalised and trimmed.
    pub fn normalized(self) -> Self {
        normalize_via_json(self)
    }

    /// Everything wrong with the content as of today, all at once.
    pub fn problems(&self) -> Vec<Problem> {
        self.problems_as_of(Date::today())
    }

    pub fn problems_as_of(&self, today: Date) -> Vec<Problem> {
        check::appeal_form(self, today)
    }

    /// Words that mix look-alike letters of two scripts, for the reviewer's attention.
    pub fn flags(&self) -> Vec<Flag> {
        check::lookalikes(self)
    }

    /// `Surname Given Patronymic`.
    pub fn full_name(&self) -> String {
        let i = &self.identity;
        let mut s = format!("{} {}", i.surname, i.given_name);
        if let Some(p) = i.patronymic.as_deref().filter(|p| !p.is_empty()) {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
}

/// Applies [`text::clean`] to every string of a serialisable value.
pub(crate) fn normalize_via_json<T>(value: T) -> T
where
    T: Serialize + serde::de::DeserializeOwned,
{
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = text::clean(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(&value) else {
        return value;
    };
    walk(&mut json);
    serde_json::from_value(json).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "version": 1, "language": "ru",
        "identity": {"surname": "Жақсыбекова", "given_name": "Әйгерім", "age": 34, "city": "Алматы"},
        "incidents": [{"event": "rally-2018-05-10", "date": "2018-05-10", "description": "задержана"}],
        "consent": {"publish_name": true, "publish_age": true, "publish_city": true}
    }"#;

    fn today() -> Date {
        Date::parse("2026-11-24").unwrap()
    }

    #[test]
    fn accepts_a_good_form() {
        let f = AppealForm::from_json_as_of(GOOD, today()).unwrap();
        assert_eq!(f.identity.age, Some(34));
        assert!(f.incidents[0].is_detention());
    }

    #[test]
    fn version_one_forms_read_and_write_unchanged() {
        let f = AppealForm::from_json_as_of(GOOD, today()).unwrap();
        let back: serde_json::Value = serde_json::to_value(&f).unwrap();
        let orig: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        // Only `city` on the incident is optional-and-absent; the rest round-trips.
        assert_eq!(back["identity"], orig["identity"]);
        assert_eq!(back["consent"], orig["consent"]);
        assert!(back.get("interrogations").is_none());
    }

    #[test]
    fn names_every_problem() {
        let bad = GOOD
            .replace("\"2018-05-10\", \"desc", "\"2018-02-30\", \"desc")
            .replace("\"age\": 34", "\"age\": 300")
            .replace("\"Әйгерім\"", "\"  \"");
        let problems = AppealForm::from_json_as_of(&bad, today()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["identity.given_name", "identity.age", "incidents[0].date"]
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = AppealForm::from_json("{\"version\": 1,").unwrap_err();
        assert!(e[0].field.starts_with("line 1"));
        let e = AppealForm::from_json(&GOOD.replace("\"language\"", "\"lang\"")).unwrap_err();
        assert!(e[0].to_string().contains("lang"), "{}", e[0]);
    }

    #[test]
    fn input_is_nfc_normalised() {
        let f = AppealForm::from_json_as_of(
            &GOOD.replace(
                "Жақсыбекова",
                "  Петёмкина ".replace('ё', "е\u{308}").as_str(),
            ),
            today(),
        )
        .unwrap();
        assert_eq!(f.identity.surname, "Петёмкина");
    }

    #[test]
    fn the_full_schema_round_trips() {
        let text = r#"{
          "version": 2, "language": "kk",
          "identity": {"surname": "Серікова", "given_name": "Дана", "patronymic": "Ерланқызы",
            "other_spellings": ["Serikova Dana"], "age": 25, "age_as_of": "2018-06-01",
            "city": "Шымкент", "country_abroad": "Kyrgyzstan", "status_abroad": "asylum seeker",
            "citizenship": "KZ", "occupation": "блогер",
            "family": [{"relation": "мать", "age": 60, "note": "вызывали в полицию"}]},
          "incidents": [{"event": "blue-balloons", "date": "2018-06-23", "start_time": "11:30",
            "end_time": "18:00", "city": "Шымкент", "place": "парк", "activity": "carrying a blue balloon",
            "detained": true, "authorities": ["police", "plain-clothes"],
            "flags": ["phone-seized", "fingerprinted"], "recorded": ["phone-imei"],
            "papers_signed": ["explanatory-note"], "items_seized": "phone", "injuries": "bruises",
            "minors_present": false, "description": "шарики"}],
          "interrogations": [{"date": "2018-07-01", "body": "national-security", "brought_by": "summons",
            "questions": "who organised", "threats": "expulsion"}],
          "administrative_cases": [{"article": "488", "part": 6, "date": "2018-06-24",
            "hearing_at_night": true, "lawyer_present": false, "outcome": "arrest", "arrest_days": 10},
            {"article": "488", "outcome": "fine", "fine_tenge": 120250}],
          "criminal_cases": [{"status": "suspect", "article": "174", "part": 1, "basis": "chat posts",
            "restraint": "house arrest", "forced_repentance": true}],
          "health": [{"what_was_done": "beaten", "facility": "ИВС", "care_denied": true}],
          "other_pressure": [{"kind": "employer", "description": "fired"}],
          "attachments": [{"kind": "court-decision", "date": "2018-06-24"}],
          "consent": {"publish_name": true, "publish_age": false, "publish_city": true, "publish_occupation": true}
        }"#;
        let f = AppealForm::from_json_as_of(text, today()).unwrap();
        let again = serde_json::to_string(&f).unwrap();
        assert_eq!(AppealForm::from_json_as_of(&again, today()).unwrap(), f);
        assert_eq!(f.administrative_cases[1].fine_tenge, Some(120_250));
        assert!(f.incidents[0].is_detention());
    }

    #[test]
    fn language_tags() {
        assert_eq!(Language::from_tag("ru_RU.UTF-8"), Some(Language::Ru));
        assert_eq!(Language::from_tag("kk-KZ"), Some(Language::Kk));
        assert_eq!(Language::from_tag("EN"), Some(Language::En));
        assert_eq!(Language::from_tag("C.UTF-8"), None);
        assert_eq!(Language::from_tag("de_DE"), None);
    }
}
