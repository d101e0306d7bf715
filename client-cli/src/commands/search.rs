//! `amanat staff search QUERY`: looks through every case the reviewer can open, decrypted
//! in memory only, ignoring case and script: `Нұрлан`, `Нурлан` and `Nurlan` all match,
//! as do `-uly`/`-ұлы`/`-улы` and `Ye`/`E`. Results go to the terminal, never to disk.

use amanat_protocol::form::AppealForm;
use amanat_protocol::form::text::fold;

use crate::commands::report::{CaseData, load_cases};
use crate::commands::staff::SavedSession;
use crate::error::Result;
use crate::i18n::Tr;
use amanat_protocol::keys::StaffKeys;

/// One case that matched, with the fields that did.
#[derive(Debug)]
pub struct Hit {
    pub case: String,
    pub name: String,
    pub fields: Vec<String>,
}

/// The searchable text of a form: (field path, value).
fn fields(form: &AppealForm) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut push = |k: String, s: Option<&String>| {
        if let Some(s) = s.filter(|s| !s.is_empty()) {
            v.push((k, s.clone()));
        }
    };
    let id = &form.identity;
    push("name".into(), Some(&form.full_name()));
    for (i, s) in id.other_spellings.iter().enumerate() {
        push(format!("identity.other_spellings[{i}]"), Some(s));
    }
    push("identity.city".into(), id.city.as_ref());
    push("identity.occupation".into(), id.occupation.as_ref());
    push("identity.country_abroad".into(), id.country_abroad.as_ref());
    for (i, m) in id.family.iter().enumerate() {
        push(format!("identity.family[{i}].note"), m.note.as_ref());
    }
    for (i, inc) in form.incidents.iter().enumerate() {
        push(format!("incidents[{i}].event"), Some(&inc.event));
        push(format!("incidents[{i}].city"), inc.city.as_ref());
        push(format!("incidents[{i}].place"), inc.place.as_ref());
        push(
            format!("incidents[{i}].description"),
            Some(&inc.description),
        );
    }
    for (i, q) in form.interrogations.iter().enumerate() {
        push(
            format!("interrogations[{i}].questions"),
            q.questions.as_ref(),
        );
        push(format!("interrogations[{i}].threats"), q.threats.as_ref());
    }
    for (i, a) in form.administrative_cases.iter().enumerate() {
        push(
            format!("administrative_cases[{i}].article"),
            Some(&a.article),
        );
    }
    for (i, k) in form.criminal_cases.iter().enumerate() {
        push(format!("criminal_cases[{i}].article"), Some(&k.article));
        push(format!("criminal_cases[{i}].basis"), k.basis.as_ref());
    }
    for (i, h) in form.health.iter().enumerate() {
        push(format!("health[{i}].what_was_done"), Some(&h.what_was_done));
    }
    for (i, p) in form.other_pressure.iter().enumerate() {
        push(
            format!("other_pressure[{i}].description"),
            Some(&p.description),
        );
    }
    v
}

/// Cases where every word of `query` occurs, folded, in some field.
pub fn search(cases: &[CaseData], query: &str) -> Vec<Hit> {
    let words: Vec<String> = fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for c in cases {
        let Some(form) = &c.form else { continue };
        let folded: Vec<(String, String)> = fields(form)
            .into_iter()
            .map(|(k, v)| (k, fold(&v)))
            .collect();
        let all = words
            .iter()
            .all(|w| folded.iter().any(|(_, v)| v.contains(w.as_str())));
        if !all {
            continue;
        }
        let matched: Vec<String> = folded
            .iter()
            .filter(|(_, v)| words.iter().any(|w| v.contains(w.as_str())))
            .map(|(k, _)| k.clone())
            .collect();
        hits.push(Hit {
            case: c.case_id.to_string(),
            name: form.full_name(),
            fields: matched,
        });
    }
    hits
}

/// `amanat staff search` from its arguments.
pub fn run_args(args: &crate::cli::SearchArgs) -> Result<()> {
    let tr = Tr::new(crate::i18n::choose(args.lang.as_deref())?)?;
    let session = crate::commands::staff::load_session(&args.session)?;
    let keys = crate::commands::staff::load_keys(&args.key)?;
    run(&session, &keys, &args.query.join(" "), &tr)
}

/// `amanat staff search`.
pub fn run(session: &SavedSession, keys: &StaffKeys, query: &str, tr: &Tr) -> Result<()> {
    let cases = load_cases(session, keys)?;
    let hits = search(&cases, query);
    if hits.is_empty() {
        println!(
            "{}",
            tr.get_args("search-none", &[("query", query.to_owned())])
        );
        return Ok(());
    }
    println!(
        "{}",
        tr.get_nums("search-found", &[("count", hits.len() as i64)])
    );
    for h in hits {
        println!("  {}  {}  [{}]", h.case, h.name, h.fields.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use amanat_protocol::form::Language;

    fn case(surname: &str, given: &str, patronymic: &str, city: &str) -> CaseData {
        let mut f = AppealForm::new(Language::Ru);
        f.identity.surname = surname.into();
        f.identity.given_name = given.into();
        f.identity.patronymic = Some(patronymic.into());
        f.identity.city = Some(city.into());
        CaseData {
            case_id: amanat_protocol::CaseId::random(),
            form: Some(f),
            form_error: None,
            has_poa: true,
            poas: Vec::new(),
            labels: Vec::new(),
            verdict: None,
            flags: Vec::new(),
        }
    }

    #[test]
    fn transliteration_and_case_insensitive() {
        let cases = vec![
            case("Ерланұлы", "Нұрлан", "Серікұлы", "Шымкент"),
            case("Yesenova", "Aliya", "Bolatkyzy", "Almaty"),
            case("Иванов", "Пётр", "Сергеевич", "Караганда"),
        ];
        let names =
            |q: &str| -> Vec<String> { search(&cases, q).into_iter().map(|h| h.name).collect() };
        assert_eq!(names("nurlan erlanuly").len(), 1);
        assert_eq!(names("НУРЛАН ЕРЛАНУЛЫ").len(), 1);
        assert_eq!(names("Есенова"), ["Yesenova Aliya Bolatkyzy"]);
        assert_eq!(names("esenova алия"), ["Yesenova Aliya Bolatkyzy"]);
        assert_eq!(names("Petr Ivanov"), ["Иванов Пётр Сергеевич"]);
        assert_eq!(names("Karaganda").len(), 1);
        assert!(names("Астана").is_empty());
        assert!(names("  ").is_empty());
    }
}
