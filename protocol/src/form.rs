//! The appeal form as JSON: a first, deliberately small schema (version 1) that the CLI
//! validates before anything is encrypted. Unknown fields are refused so typos surface;
//! errors name the field path so a person can find what to fix.

use serde::{Deserialize, Serialize};

/// The languages a form may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Kk,
    Ru,
    En,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealForm {
    /// Schema version; 1.
    pub version: u32,
    pub language: Language,
    pub identity: Identity,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub consent: Consent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// An event code from the foundation's list, or "other".
    pub event: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// Which fields the person agrees to see in the published annex.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    #[serde(default)]
    pub publish_name: bool,
    #[serde(default)]
    pub publish_age: bool,
    #[serde(default)]
    pub publish_city: bool,
}

/// The events the foundation groups cases by.
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

/// One problem found in a form, with the path of the field (`incidents[1].date`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl AppealForm {
    /// Parses JSON; a syntax or shape error comes back as one problem with line and column.
    pub fn from_json(text: &str) -> Result<Self, Vec<Problem>> {
        let form: AppealForm = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                field: format!("line {}, column {}", e.line(), e.column()),
                message: e.to_string(),
            }]
        })?;
        let problems = form.problems();
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(problems)
        }
    }

    /// Everything wrong with the content, all at once.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        let mut bad = |field: String, message: &str| {
            p.push(Problem {
                field,
                message: message.to_owned(),
            })
        };
        if self.version != 1 {
            bad("version".into(), "must be 1");
        }
        for (field, value) in [
            ("identity.surname", &self.identity.surname),
            ("identity.given_name", &self.identity.given_name),
        ] {
            if value.trim().is_empty() {
                bad(field.into(), "must not be empty");
            }
        }
        for (field, value) in [
            ("identity.surname", Some(&self.identity.surname)),
            ("identity.given_name", Some(&self.identity.given_name)),
            ("identity.patronymic", self.identity.patronymic.as_ref()),
            ("identity.city", self.identity.city.as_ref()),
            ("identity.occupation", self.identity.occupation.as_ref()),
        ] {
            if let Some(v) = value
                && (v.chars().count() > 200 || v.chars().any(char::is_control))
            {
                bad(field.into(), "must be at most 200 printable characters");
            }
        }
        if let Some(age) = self.identity.age
            && !(10..=120).contains(&age)
        {
            bad("identity.age".into(), "must be between 10 and 120");
        }
        for (i, inc) in self.incidents.iter().enumerate() {
            if !EVENTS.contains(&inc.event.as_str()) {
                bad(
                    format!("incidents[{i}].event"),
                    "must be one of rally-2018-05-10, rally-2018-06-23, preventive-2018-07-06, ep-delegation-2018-09, blue-balloons, explanatory-note, social-media-prosecution, other",
                );
            }
            if inc.event == "other" && inc.description.trim().is_empty() {
                bad(
                    format!("incidents[{i}].description"),
                    "say what happened when the event is \"other\"",
                );
            }
            if !is_date(&inc.date) {
                bad(
                    format!("incidents[{i}].date"),
                    "must be a real date written YYYY-MM-DD",
                );
            }
            if inc.description.chars().count() > 20_000 {
                bad(
                    format!("incidents[{i}].description"),
                    "must be at most 20000 characters",
                );
            }
        }
        p
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
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

    #[test]
    fn accepts_a_good_form() {
        let f = AppealForm::from_json(GOOD).unwrap();
        assert_eq!(f.identity.age, Some(34));
    }

    #[test]
    fn names_every_problem() {
        let bad = GOOD
            .replace("\"2018-05-10\", \"desc", "\"2018-02-30\", \"desc")
            .replace("\"age\": 34", "\"age\": 300")
            .replace("\"Әйгерім\"", "\"  \"");
        let problems = AppealForm::from_json(&bad).unwrap_err();
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
        assert!(e[0].message.contains("lang"), "{}", e[0].message);
    }
}
