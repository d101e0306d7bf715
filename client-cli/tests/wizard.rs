//! The appeal-form wizard through a real pseudo-terminal, in Russian, Kazakh and English,
//! and the Fluent files: every key in all three languages, with the same arguments.
//! A wizard run must leave nothing behind in HOME.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use amanat_protocol::keyring::RootKey;
use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use rexpect::session::{PtySession, spawn_command};

const FILES: [(&str, &str); 3] = [
    ("en", include_str!("../i18n/en/amanat.ftl")),
    ("ru", include_str!("../i18n/ru/amanat.ftl")),
    ("kk", include_str!("../i18n/kk/amanat.ftl")),
];

/// Message id → the variables its value uses.
fn messages(lang: &str, text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(text)
        .unwrap_or_else(|(_, errors)| panic!("{lang}: Fluent syntax errors: {errors:?}"));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(m) => {
                let value = m
                    .value
                    .unwrap_or_else(|| panic!("{lang}: {} has no value", m.id.name));
                let mut vars = BTreeSet::new();
                variables(&value, &mut vars);
                assert!(
                    out.insert(m.id.name.to_owned(), vars).is_none(),
                    "{lang}: {} is defined twice",
                    m.id.name
                );
            }
            Entry::Junk { content } => panic!("{lang}: unparsable: {content}"),
            _ => {}
        }
    }
    out
}

fn variables(p: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            let inline = match expression {
                Expression::Inline(i) => i,
                Expression::Select { selector, .. } => selector,
            };
            if let InlineExpression::VariableReference { id } = inline {
                out.insert(id.name.to_owned());
            }
        }
    }
}

#[test]
fn every_key_is_in_all_three_languages() {
    let all: Vec<(&str, BTreeMap<String, BTreeSet<String>>)> = FILES
        .iter()
        .map(|(lang, text)| (*lang, messages(lang, text)))
        .collect();
    let (_, en) = &all[0];
    assert!(en.len() > 150, "only {} English messages?", en.len());
    for (lang, msgs) in &all[1..] {
        let missing: Vec<&String> = en.keys().filter(|k| !msgs.contains_key(*k)).collect();
        let extra: Vec<&String> = msgs.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}: missing {missing:?}, not in English {extra:?}"
        );
        for (key, vars) in en {
            assert_eq!(
                &msgs[key], vars,
                "{lang}: {key} uses other variables than English"
            );
        }
    }
    // Every list the protocol knows has a label in each language.
    use amanat_protocol::form::*;
    let mut keys: Vec<String> = EVENTS.iter().map(|e| format!("event-{e}")).collect();
    keys.extend(Authority::ALL.iter().map(|c| format!("authority-{c}")));
    keys.extend(IncidentFlag::ALL.iter().map(|c| format!("flag-{c}")));
    keys.extend(Recorded::ALL.iter().map(|c| format!("recorded-{c}")));
    keys.extend(Paper::ALL.iter().map(|c| format!("paper-{c}")));
    keys.extend(BroughtBy::ALL.iter().map(|c| format!("brought-{c}")));
    keys.extend(AdminOutcome::ALL.iter().map(|c| format!("outcome-{c}")));
    keys.extend(CriminalStatus::ALL.iter().map(|c| format!("status-{c}")));
    keys.extend(PressureKind::ALL.iter().map(|c| format!("pressure-{c}")));
    keys.extend(
        AttachmentKind::ALL
            .iter()
            .map(|c| format!("attachment-{c}")),
    );
    for k in keys {
        assert!(en.contains_key(&k), "no label for {k}");
    }
}

struct Run {
    home: tempfile::TempDir,
    pty: PtySession,
}

fn wizard(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let root = RootKey::generate().fingerprint().to_string();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amanat"));
    cmd.args([
        "submit",
        "--server",
        "https://127.0.0.1:1",
        "--root",
        root.as_str(),
    ])
    .args(args)
    .env_clear()
    .env("HOME", home.path())
    .env("TERM", "dumb")
    .current_dir(home.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let pty = spawn_command(cmd, Some(20_000)).unwrap();
    Run { home, pty }
}

/// rexpect reads the terminal byte by byte, one `char` per byte: search for UTF-8 text
/// in that form, and turn what it returns back into UTF-8.
fn as_bytes(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

fn from_bytes(s: &str) -> String {
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

impl Run {
    /// Waits for `prompt`, then types `answer`.
    fn answer(&mut self, prompt: &str, answer: &str) {
        self.expect(prompt);
        self.pty.send_line(answer).unwrap();
    }

    fn expect(&mut self, text: &str) -> String {
        self.pty
            .exp_string(&as_bytes(text))
            .map(|s| from_bytes(&s))
            .unwrap_or_else(|e| panic!("waiting for {text:?}: {}", from_bytes(&e.to_string())))
    }

    fn finish(mut self) -> String {
        let rest = from_bytes(&self.pty.exp_eof().unwrap());
        let left: Vec<_> = std::fs::read_dir(self.home.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(left.is_empty(), "the wizard left files behind: {left:?}");
        rest
    }
}

#[test]
fn russian_wizard_validates_repeats_summarises_and_sends() {
    let mut w = wizard(&["--lang", "ru"], &[]);
    w.expect("Обращение в фонд.");
    w.answer("Заполнить обращение сейчас? [д/н]", "д");
    w.answer("Фамилия: ", "Жақсыбекова");
    w.answer("Имя: ", "Әйгерім");
    w.answer("Отчество", "Серікқызы");
    w.answer("Другие написания", "Zhaksybekova Aigerim");
    w.answer("Возраст", "тридцать");
    w.expect("Напишите число");
    w.answer("Возраст", "34");
    w.answer("Дата рождения", "2031-01-01");
    w.expect("дата не может быть в будущем");
    w.answer("Дата рождения", "");
    w.answer("Город, посёлок", "Алматы");
    w.answer("за границей", "");
    w.answer("Гражданство", "");
    w.answer("Род занятий", "блогер");
    w.answer("Добавить?", "н"); // family
    // Two incidents: the repeatable section.
    w.answer("Добавить случай?", "д");
    w.answer("> ", "1");
    w.answer("Дата (ГГГГ-ММ-ДД): ", "2018-02-30");
    w.expect("нужна настоящая дата");
    w.answer("Дата (ГГГГ-ММ-ДД): ", "2018-05-10");
    for prompt in ["С какого времени", "Город или посёлок"] {
        w.answer(prompt, "");
    }
    w.answer("Место", "площадь");
    w.answer("Что вы делали", "");
    w.answer("Вас задержали?", "д");
    w.answer("> ", "1, 6");
    w.answer("> ", "3");
    w.answer("> ", "");
    w.answer("> ", "1");
    for prompt in ["Изъятые вещи", "Травмы", "несовершеннолетние", "Опишите"]
    {
        w.answer(prompt, "");
    }
    w.answer("Добавить ещё?", "д");
    w.answer("> ", "8");
    w.answer("Дата (ГГГГ-ММ-ДД): ", "2018-10-01");
    for prompt in [
        "С какого времени",
        "Город или посёлок",
        "Место",
        "Что вы делали",
        "Вас задержали?",
        "> ",
        "> ",
        "> ",
        "> ",
        "Изъятые вещи",
        "Травмы",
        "несовершеннолетние",
    ] {
        w.answer(prompt, "");
    }
    w.answer("Опишите, что произошло: ", "");
    w.expect("Этот ответ нужен");
    w.answer("Опишите, что произошло: ", "вызвали в акимат и угрожали");
    w.answer("Добавить ещё?", "н");
    w.answer("Вас допрашивали?", "н");
    w.answer("административное дело", "д");
    w.answer("Статья КоАП", "488 ч.6");
    w.expect("нужен номер статьи");
    w.answer("Статья КоАП", "488");
    w.answer("Часть статьи", "6");
    w.answer("Дата", "");
    w.answer("Суд был ночью?", "д");
    w.answer("Был ли адвокат?", "н");
    w.answer("> ", "1");
    w.answer("Суток ареста", "10");
    w.answer("Добавить ещё?", "н");
    for prompt in [
        "уголовное дело",
        "Вас пытали",
        "Другое давление",
        "приложите документы",
    ] {
        w.answer(prompt, "н");
    }
    w.answer("опубликовать ваше имя", "д");
    w.answer("опубликовать ваш возраст", "д");
    w.answer("опубликовать ваш город", "д");
    w.answer("опубликовать ваш род занятий", "н");
    let summary = w.expect("Зашифровать и отправить");
    for needle in [
        "Проверьте ваши ответы",
        "Фамилия: Жақсыбекова",
        "Задержания и другие случаи 2:",
        "Задержание на митинге 10 мая 2018 года",
        "полиция; люди в штатском",
        "Суток ареста: 10 сут.",
        "вызвали в акимат и угрожали",
    ] {
        assert!(summary.contains(needle), "{needle:?} not in:\n{summary}");
    }
    w.pty.send_line("д").unwrap();
    // Confirmed: the form was accepted and the client went on to the (absent) server.
    let rest = w.finish();
    assert!(rest.contains("could not reach the server"), "{rest}");
}

#[test]
fn kazakh_wizard_cancels_without_sending() {
    let mut w = wizard(&["--lang", "kk"], &[]);
    w.answer("Өтінішті қазір толтырасыз ба? [и/ж]", "и");
    w.answer("Тегі: ", "Серікбаев");
    w.answer("Аты: ", "Нұрлан");
    for _ in 0..8 {
        w.answer("(міндетті емес): ", "");
    }
    for _ in 0..8 {
        w.answer("[и/ж]: ", "ж");
    }
    w.answer("атыңызды", "и");
    w.answer("Жасыңызды", "ж");
    w.answer("Қалаңызды", "и");
    let summary = w.expect("шифрлап, жібересіз бе?");
    assert!(summary.contains("Тегі: Серікбаев"), "{summary}");
    w.pty.send_line("ж").unwrap();
    let rest = w.finish();
    assert!(rest.contains("Бас тартылды"), "{rest}");
    assert!(!rest.contains("could not reach"), "{rest}");
}

#[test]
fn the_locale_chooses_english_and_a_poa_alone_needs_no_form() {
    let mut w = wizard(&[], &[("LANG", "en_GB.UTF-8")]);
    w.answer("Fill in the appeal form now? [y/n]", "n");
    let rest = w.finish();
    assert!(rest.contains("nothing to send"), "{rest}");
}
