//! Interface strings in Kazakh, Russian and English, from the Fluent files under
//! `client-cli/i18n/`, compiled into the binary (nothing is read from disk at run time).
//! `fl!` checks at compile time that every literal key exists in the English file.

use std::borrow::Cow;
use std::collections::HashMap;

use amanat_protocol::form::{Language, Problem};
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed::{I18nAssets, LanguageLoader};

use crate::error::{CliError, Result};

/// The three Fluent files, embedded.
pub const FILES: [(Language, &str, &str); 3] = [
    (
        Language::En,
        "en/amanat.ftl",
        include_str!("../i18n/en/amanat.ftl"),
    ),
    (
        Language::Ru,
        "ru/amanat.ftl",
        include_str!("../i18n/ru/amanat.ftl"),
    ),
    (
        Language::Kk,
        "kk/amanat.ftl",
        include_str!("../i18n/kk/amanat.ftl"),
    ),
];

struct Embedded;

impl I18nAssets for Embedded {
    fn get_files(&self, file_path: &str) -> Vec<Cow<'_, [u8]>> {
        FILES
            .iter()
            .filter(|(_, p, _)| *p == file_path)
            .map(|(_, _, text)| Cow::Borrowed(text.as_bytes()))
            .collect()
    }

    fn filenames_iter(&self) -> Box<dyn Iterator<Item = String> + '_> {
        Box::new(FILES.iter().map(|(_, p, _)| (*p).to_owned()))
    }
}

/// A loaded language: looks strings up, falling back to English for anything missing.
pub struct Tr {
    loader: FluentLanguageLoader,
    pub lang: Language,
}

impl Tr {
    pub fn new(lang: Language) -> Result<Tr> {
        let id = |l: Language| {
            l.as_str()
                .parse::<unic_langid::LanguageIdentifier>()
                .map_err(|e| CliError::new(format!("bad language tag: {e}")))
        };
        let loader = FluentLanguageLoader::new("amanat", id(Language::En)?);
        loader
            .load_languages(&Embedded, &[id(lang)?, id(Language::En)?])
            .map_err(|e| CliError::new(format!("cannot load the interface texts: {e}")))?;
        // Unicode isolation marks around arguments confuse terminals and tests alike.
        loader.set_use_isolating(false);
        Ok(Tr { loader, lang })
    }

    pub fn loader(&self) -> &FluentLanguageLoader {
        &self.loader
    }

    /// A message by runtime key (list items, problem kinds).
    pub fn get(&self, key: &str) -> String {
        self.loader.get(key)
    }

    pub fn get_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<&str, String> = args.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.loader.get_args(key, map)
    }

    /// A message whose arguments are numbers, so plural forms are chosen by them.
    pub fn get_nums(&self, key: &str, args: &[(&str, i64)]) -> String {
        let map: HashMap<&str, fluent::FluentValue> = args
            .iter()
            .map(|(k, v)| (*k, fluent::FluentValue::from(*v)))
            .collect();
        self.loader.get_args(key, map)
    }

    /// A validation problem's sentence, without the field path.
    pub fn problem_message(&self, p: &Problem) -> String {
        self.get_args(&format!("problem-{}", p.kind.key()), &p.kind.args())
    }

    /// `field: sentence`, as the English `Display` of [`Problem`] but in this language.
    pub fn problem(&self, p: &Problem) -> String {
        format!("{}: {}", p.field, self.problem_message(p))
    }

    /// The label of a list item: `event-rally-2018-05-10`, `authority-police`, …
    pub fn item(&self, list: &str, code: &str) -> String {
        self.get(&format!("{list}-{code}"))
    }
}

/// The interface language: `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`),
/// else English.
pub fn choose(flag: Option<&str>) -> Result<Language> {
    if let Some(tag) = flag {
        return Language::from_tag(tag).ok_or_else(|| {
            let en = Tr::new(Language::En);
            let (msg, hint) = match en {
                Ok(t) => (
                    t.get_args("lang-unknown", &[("lang", format!("{tag:?}"))]),
                    t.get("lang-hint"),
                ),
                Err(_) => (format!("unknown language {tag:?}"), String::new()),
            };
            CliError::new(msg).hint(hint)
        });
    }
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            // The first variable that is set decides, as in POSIX; an unsupported
            // language falls back to English rather than to a later variable.
            return Ok(Language::from_tag(&v).unwrap_or(Language::En));
        }
    }
    Ok(Language::En)
}

#[cfg(test)]
mod tests {
    use super::*;
    use amanat_protocol::form::{Problem, ProblemKind};

    #[test]
    fn english_problems_match_the_protocol_text() {
        let tr = Tr::new(Language::En).unwrap();
        let kinds = [
            ProblemKind::Syntax {
                detail: "x at line 1".into(),
            },
            ProblemKind::Version { found: 7 },
            ProblemKind::Empty,
            ProblemKind::Text { max: 200 },
            ProblemKind::Age { min: 10, max: 120 },
            ProblemKind::UnknownEvent,
            ProblemKind::OtherNeedsText,
            ProblemKind::BadDate,
            ProblemKind::FutureDate,
            ProblemKind::DateOrder {
                after: "document.issued_on".into(),
            },
            ProblemKind::BadTime,
            ProblemKind::BadArticle,
            ProblemKind::BadPart { max: 20 },
            ProblemKind::ArrestDays { max: 90 },
            ProblemKind::MissingArrestDays,
            ProblemKind::Fine { max: 100_000_000 },
            ProblemKind::MissingFine,
            ProblemKind::OnlyWithOutcome { outcome: "fine" },
            ProblemKind::DocumentNumber,
            ProblemKind::NoPowers,
        ];
        for kind in kinds {
            let p = Problem {
                field: "f".into(),
                kind,
            };
            let syntax = matches!(p.kind, ProblemKind::Syntax { .. });
            if !syntax {
                assert_eq!(tr.problem(&p), p.to_string());
            }
            for lang in Language::ALL {
                let t = Tr::new(lang).unwrap();
                let msg = t.problem_message(&p);
                assert!(!msg.contains("No localization"), "{lang:?}: {msg}");
            }
        }
    }

    #[test]
    fn russian_and_kazakh_speak_their_language() {
        let p = Problem {
            field: "identity.age".into(),
            kind: ProblemKind::Age { min: 10, max: 120 },
        };
        assert_eq!(
            Tr::new(Language::Ru).unwrap().problem(&p),
            "identity.age: должно быть от 10 до 120"
        );
        assert_eq!(
            Tr::new(Language::Kk).unwrap().problem(&p),
            "identity.age: 10 мен 120 аралығында болуы керек"
        );
    }

    #[test]
    fn plurals_follow_the_number() {
        let ru = Tr::new(Language::Ru).unwrap();
        let h = |p: i64, c: i64| ru.get_nums("report-headline", &[("people", p), ("places", c)]);
        assert_eq!(h(1, 1), "1 человек из 1 населённого пункта");
        assert_eq!(h(3, 2), "3 человека из 2 населённых пунктов");
        assert_eq!(h(129, 19), "129 человек из 19 населённых пунктов");
        assert_eq!(h(21, 21), "21 человек из 21 населённого пункта");
        let en = Tr::new(Language::En).unwrap();
        assert_eq!(
            en.get_nums("report-headline", &[("people", 129), ("places", 19)]),
            "129 people from 19 cities and towns"
        );
        assert_eq!(en.get_nums("report-aged", &[("age", 34)]), "aged 34");
        assert_eq!(ru.get_nums("report-aged", &[("age", 34)]), "34 года");
        assert_eq!(ru.get_nums("report-aged", &[("age", 25)]), "25 лет");
        assert_eq!(ru.get_nums("report-aged", &[("age", 41)]), "41 год");
    }

    #[test]
    fn chooses_the_language() {
        assert_eq!(choose(Some("kk")).unwrap(), Language::Kk);
        assert_eq!(choose(Some("ru_RU.UTF-8")).unwrap(), Language::Ru);
        let e = choose(Some("de")).unwrap_err();
        assert!(e.to_string().contains("--lang kk"), "{e}");
    }
}
