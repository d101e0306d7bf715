//! The power of attorney's details, typed from the signed page: principal, identity
//! document, agent, powers, date and place. The document number is the most dangerous
//! field in the system; it only ever travels inside ciphertext.

use serde::{Deserialize, Serialize};

use super::check::{Checker, Date, Problem, ProblemKind};
use super::codes;

codes!(
    /// The identity document the power of attorney names.
    DocumentType {
        Passport = "passport",
        IdCard = "id-card",
        Other = "other",
    }
);

codes!(
    /// What the person authorises the foundation to do.
    Power {
        Disseminate = "disseminate-information",
        International = "international-organisations",
        Appeals = "file-appeals",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerOfAttorneyDetails {
    /// Schema version; 1.
    pub version: u32,
    pub principal: Principal,
    pub document: IdentityDocument,
    /// Who receives the powers: the foundation.
    pub agent: String,
    pub powers: Vec<Power>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityDocument {
    pub kind: DocumentType,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
}

impl PowerOfAttorneyDetails {
    /// Parses, normalises and checks, as [`AppealForm::from_json`](super::AppealForm::from_json).
    pub fn from_json_as_of(text: &str, today: Date) -> Result<Self, Vec<Problem>> {
        let poa: Self = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                field: format!("line {}, column {}", e.line(), e.column()),
                kind: ProblemKind::Syntax {
                    detail: e.to_string(),
                },
            }]
        })?;
        let poa = super::normalize_via_json(poa);
        let problems = poa.problems_as_of(today);
        if problems.is_empty() {
            Ok(poa)
        } else {
            Err(problems)
        }
    }

    pub fn problems_as_of(&self, today: Date) -> Vec<Problem> {
        let mut c = Checker::new(today);
        if self.version != 1 {
            c.bad(
                "version",
                ProblemKind::Version {
                    found: self.version,
                },
            );
        }
        let p = &self.principal;
        c.required("principal.surname", &p.surname);
        c.required("principal.given_name", &p.given_name);
        for (f, v) in [
            ("principal.surname", Some(&p.surname)),
            ("principal.given_name", Some(&p.given_name)),
            ("principal.patronymic", p.patronymic.as_ref()),
            ("document.issuer", self.document.issuer.as_ref()),
            ("agent", Some(&self.agent)),
            ("signed_at", self.signed_at.as_ref()),
        ] {
            c.text(f, v.map(String::as_str), false);
        }
        c.required("agent", &self.agent);
        let n = &self.document.number;
        if !(6..=12).contains(&n.chars().count()) || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
            c.bad("document.number", ProblemKind::DocumentNumber);
        }
        let issued = c.date("document.issued_on", self.document.issued_on.as_deref());
        // An expiry date may lie in the future: check it by hand.
        if let Some(e) = &self.document.expires_on {
            match Date::parse(e) {
                None => c.bad("document.expires_on", ProblemKind::BadDate),
                Some(e) if issued.is_some_and(|i| e < i) => c.bad(
                    "document.expires_on",
                    ProblemKind::DateOrder {
                        after: "document.issued_on".into(),
                    },
                ),
                Some(_) => {}
            }
        }
        let signed = c.date("signed_on", self.signed_on.as_deref());
        if let (Some(s), Some(i)) = (signed, issued)
            && s < i
        {
            c.bad(
                "signed_on",
                ProblemKind::DateOrder {
                    after: "document.issued_on".into(),
                },
            );
        }
        if self.powers.is_empty() {
            c.bad("powers", ProblemKind::NoPowers);
        }
        c.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"version": 1,
        "principal": {"surname": "Серікова", "given_name": "Дана", "patronymic": "Ерланқызы"},
        "document": {"kind": "id-card", "number": "043512345", "issuer": "МВД РК",
                     "issued_on": "2015-03-02", "expires_on": "2030-03-01"},
        "agent": "the foundation",
        "powers": ["disseminate-information", "international-organisations", "file-appeals"],
        "signed_on": "2018-09-20", "signed_at": "Алматы"}"#;

    fn today() -> Date {
        Date::parse("2026-11-24").unwrap()
    }

    #[test]
    fn accepts_good_details() {
        let p = PowerOfAttorneyDetails::from_json_as_of(GOOD, today()).unwrap();
        assert_eq!(p.document.kind, DocumentType::IdCard);
        assert_eq!(p.powers.len(), 3);
    }

    #[test]
    fn names_every_problem() {
        let bad = GOOD
            .replace("043512345", "04-35")
            .replace("2030-03-01", "2014-01-01")
            .replace("2018-09-20", "2031-01-01")
            .replace(
                r#"["disseminate-information", "international-organisations", "file-appeals"]"#,
                "[]",
            );
        let problems = PowerOfAttorneyDetails::from_json_as_of(&bad, today()).unwrap_err();
        let fields: Vec<String> = problems
            .iter()
            .map(|p| format!("{}={}", p.field, p.kind.key()))
            .collect();
        assert_eq!(
            fields,
            [
                "document.number=document-number",
                "document.expires_on=date-order",
                "signed_on=future-date",
                "powers=no-powers"
            ]
        );
    }
}
