//! Synthetic appeals: invented people (Kazakh, Russian and Latin spellings), random
//! incidents over the foundation's event list, some cases missing a document or with a
//! rejected power of attorney — and the figures a correct report must show for them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

/// SplitMix64: small, seedable, good enough to shuffle test data reproducibly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `pct`/100.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The events of the foundation's list, with the date of those that had one.
pub const EVENTS: [(&str, Option<&str>); 8] = [
    ("rally-2018-05-10", Some("2018-05-10")),
    ("rally-2018-06-23", Some("2018-06-23")),
    ("preventive-2018-07-06", Some("2018-07-06")),
    ("ep-delegation-2018-09", Some("2018-09-17")),
    ("blue-balloons", None),
    ("explanatory-note", None),
    ("social-media-prosecution", None),
    ("other", None),
];

/// Events that count as detentions unless the form says otherwise.
const DETENTION_EVENTS: [&str; 4] = [
    "rally-2018-05-10",
    "rally-2018-06-23",
    "preventive-2018-07-06",
    "ep-delegation-2018-09",
];

/// Places: the annex's (Russian) name, then the spellings people write.
pub const PLACES: [(&str, &[&str]); 12] = [
    ("Алматы", &["Алматы", "Almaty", "алматы"]),
    ("Астана", &["Астана", "Astana", "Нур-Султан"]),
    ("Шымкент", &["Шымкент", "Shymkent"]),
    ("Караганда", &["Караганда", "Қарағанды", "Karaganda"]),
    ("Актобе", &["Актобе", "Ақтөбе", "Aktobe"]),
    ("Тараз", &["Тараз", "Taraz"]),
    ("Павлодар", &["Павлодар"]),
    (
        "Усть-Каменогорск",
        &["Усть-Каменогорск", "Өскемен", "Oskemen"],
    ),
    ("Семей", &["Семей", "Semey"]),
    ("Уральск", &["Уральск", "Орал"]),
    ("Жанаозен", &["Жанаозен", "Жаңаөзен"]),
    // Not in the client's list: must be kept as written.
    ("Каскелен", &["Каскелен"]),
];

struct Names {
    surnames_m: &'static [&'static str],
    given_m: &'static [&'static str],
    given_f: &'static [&'static str],
    /// Father's names, to build patronymics.
    fathers: &'static [&'static str],
    patronymic: fn(&str, bool) -> String,
    female_surname: fn(&str) -> String,
}

fn kk_patronymic(f: &str, female: bool) -> String {
    format!("{f}{}", if female { "қызы" } else { "ұлы" })
}
fn ru_patronymic(f: &str, female: bool) -> String {
    format!("{f}{}", if female { "овна" } else { "ович" })
}
fn latin_patronymic(f: &str, female: bool) -> String {
    format!("{f}{}", if female { "kyzy" } else { "uly" })
}
fn add_a(s: &str) -> String {
    format!("{s}а")
}
fn add_latin_a(s: &str) -> String {
    format!("{s}a")
}

const KAZAKH: Names = Names {
    surnames_m: &[
        "Жақсыбеков",
        "Серікбаев",
        "Нұрғалиев",
        "Әбілқасымов",
        "Төлегенов",
        "Ғабдуллин",
        "Оңғарбаев",
        "Үсенбеков",
        "Ізбасаров",
        "Құдайбергенов",
    ],
    given_m: &[
        "Нұрлан",
        "Ерлан",
        "Асқар",
        "Дәурен",
        "Қайрат",
        "Бауыржан",
        "Ғалымжан",
    ],
    given_f: &[
        "Әйгерім",
        "Гүлнар",
        "Жанар",
        "Айгүл",
        "Сәуле",
        "Мөлдір",
        "Ұлжан",
    ],
    fathers: &["Серік", "Болат", "Ержан", "Қанат", "Мұрат"],
    patronymic: kk_patronymic,
    female_surname: add_a,
};

const RUSSIAN: Names = Names {
    surnames_m: &[
        "Лебедев",
        "Котов",
        "Зайцев",
        "Белоусов",
        "Ёлкин",
        "Щукин",
        "Ершов",
        "Чернов",
    ],
    given_m: &["Алексей", "Дмитрий", "Сергей", "Андрей", "Пётр"],
    given_f: &["Анна", "Ольга", "Елена", "Наталья", "Юлия"],
    fathers: &["Сергее", "Андрее", "Николае", "Викторов"],
    patronymic: |f, female| {
        // Сергее → Сергеевич/Сергеевна; Викторов → Викторович/Викторовна.
        let stem = f.trim_end_matches("ов");
        if f.ends_with("ов") {
            ru_patronymic(stem, female)
        } else {
            format!("{f}{}", if female { "вна" } else { "вич" })
        }
    },
    female_surname: add_a,
};

const LATIN: Names = Names {
    surnames_m: &[
        "Yesenov",
        "Bekturov",
        "Omarov",
        "Sadykov",
        "Zhumabayev",
        "Iskakov",
    ],
    given_m: &["Nurlan", "Yerlan", "Arman", "Timur", "Daniyar"],
    given_f: &["Aliya", "Dana", "Madina", "Zarina", "Aigerim"],
    fathers: &["Bolat", "Serik", "Marat"],
    patronymic: latin_patronymic,
    female_surname: add_latin_a,
};

/// What the complainant sends and what reviewers decide.
#[derive(Clone, Debug)]
pub struct SynthCase {
    pub form: Option<Value>,
    pub poa: bool,
    /// Verdicts in the order reviewers give them; the last stands.
    pub verdicts: Vec<Verdict>,
    /// The name as the annex shows it (if published), for search tests.
    pub full_name: String,
    /// A Latin spelling of the name typed differently from the form (for search).
    pub canonical_place: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Reject(u16),
}

impl SynthCase {
    pub fn complete(&self) -> bool {
        self.form.is_some() && self.poa && self.verdicts.last() == Some(&Verdict::Accept)
    }
}

/// The (name, age) pairs of one place's annex lines, as a sorted multiset.
pub type AnnexLines = Vec<(Option<String>, Option<u64>)>;

/// The figures a report of these cases must show (see `staff report --format json`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub cases: usize,
    pub complete: usize,
    pub place_count: usize,
    pub place_withheld: usize,
    /// Place → the annex lines' (name, age) pairs, as a sorted multiset.
    pub places: BTreeMap<String, AnnexLines>,
    pub events: BTreeMap<String, usize>,
    pub detentions: usize,
    pub persons_detained: usize,
    pub administrative_arrests: usize,
    pub arrest_days: u64,
    pub fines: usize,
    pub fines_tenge: u64,
    pub criminal_cases: usize,
    pub criminal_articles: BTreeMap<String, usize>,
    pub missing_form: usize,
    pub missing_poa: usize,
    pub poa_not_acknowledged: usize,
    pub poa_rejected: usize,
}

/// The label the report uses for people whose place is not published (`--lang ru`).
pub const PLACE_WITHHELD_RU: &str = "Населённый пункт не публикуется";

/// Makes `n` cases from `seed`, with unique names.
pub fn generate(n: usize, seed: u64) -> Vec<SynthCase> {
    let mut rng = Rng::new(seed);
    let mut used = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let c = one(&mut rng);
        if used.insert(c.full_name.clone()) {
            out.push(c);
        }
    }
    // A few verdicts that change: the latest must stand.
    for (i, c) in out.iter_mut().enumerate().filter(|(_, c)| c.poa).take(4) {
        c.verdicts = if i % 2 == 0 {
            vec![Verdict::Reject(1), Verdict::Accept]
        } else {
            vec![Verdict::Accept, Verdict::Reject(3)]
        };
    }
    out
}

fn one(rng: &mut Rng) -> SynthCase {
    let names = match rng.below(10) {
        0..=4 => &KAZAKH,
        5..=7 => &RUSSIAN,
        _ => &LATIN,
    };
    let female = rng.chance(50);
    let surname_m = *rng.pick(names.surnames_m);
    let surname = if female {
        (names.female_surname)(surname_m)
    } else {
        surname_m.to_owned()
    };
    let given = *rng.pick(if female { names.given_f } else { names.given_m });
    let father = *rng.pick(names.fathers);
    let patronymic = rng.chance(80).then(|| (names.patronymic)(father, female));
    let full_name = match &patronymic {
        Some(p) => format!("{surname} {given} {p}"),
        None => format!("{surname} {given}"),
    };
    let age = rng.chance(75).then(|| rng.range(18, 72));
    let place_ix = rng.below(PLACES.len());
    let (canonical, spellings) = PLACES[place_ix];
    let has_city = rng.chance(92);
    let city = has_city.then(|| rng.pick(spellings).to_string());

    let mut incidents = Vec::new();
    for _ in 0..rng.below(4) {
        let (event, date) = *rng.pick(&EVENTS);
        let date = date
            .map(str::to_owned)
            .unwrap_or_else(|| format!("2018-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28)));
        let mut inc = json!({"event": event, "date": date});
        if event == "other" {
            inc["description"] = json!("вызывали в акимат, требовали удалить пост");
        } else if rng.chance(30) {
            inc["description"] = json!("Задержан у площади, телефон изъят.");
        }
        if (event == "blue-balloons" || event == "explanatory-note") && rng.chance(50) {
            inc["detained"] = json!(rng.chance(50));
        }
        if rng.chance(40) {
            inc["authorities"] = json!(["police", "plain-clothes"]);
            inc["flags"] = json!(["phone-seized"]);
        }
        incidents.push(inc);
    }
    let mut admin = Vec::new();
    for _ in 0..rng.below(3) {
        let article = *rng.pick(&["488", "443", "434"]);
        admin.push(match rng.below(3) {
            0 => json!({"article": article, "part": 6, "outcome": "arrest",
                        "arrest_days": rng.range(1, 30)}),
            1 => json!({"article": article, "outcome": "fine",
                        "fine_tenge": rng.range(10, 2000) * 1203}),
            _ => json!({"article": article, "outcome": "closed"}),
        });
    }
    let mut criminal = Vec::new();
    if rng.chance(15) {
        criminal.push(json!({
            "status": *rng.pick(&["witness", "suspect", "accused", "convicted"]),
            "article": *rng.pick(&["174", "179", "182", "274", "405"]),
            "part": 2,
            "basis": "сообщения в чате"
        }));
    }
    let consent = json!({
        "publish_name": rng.chance(90),
        "publish_age": rng.chance(85),
        "publish_city": rng.chance(90),
    });
    let mut identity = json!({"surname": surname, "given_name": given});
    if let Some(p) = &patronymic {
        identity["patronymic"] = json!(p);
    }
    if let Some(a) = age {
        identity["age"] = json!(a);
    }
    if let Some(c) = &city {
        identity["city"] = json!(c);
    }
    let mut form = json!({
        "version": 2,
        "language": *rng.pick(&["kk", "ru", "en"]),
        "identity": identity,
        "incidents": incidents,
        "consent": consent,
    });
    if !admin.is_empty() {
        form["administrative_cases"] = json!(admin);
    }
    if !criminal.is_empty() {
        form["criminal_cases"] = json!(criminal);
    }
    // Documents: most send both; some only one of the two.
    let (has_form, poa) = match rng.below(100) {
        0..=9 => (true, false),
        10..=19 => (false, true),
        _ => (true, true),
    };
    let verdicts = if !poa {
        Vec::new()
    } else {
        match rng.below(100) {
            0..=7 => Vec::new(),
            8..=15 => vec![Verdict::Reject(2)],
            _ => vec![Verdict::Accept],
        }
    };
    SynthCase {
        form: has_form.then_some(form),
        poa,
        verdicts,
        full_name,
        canonical_place: city.as_ref().map(|_| canonical),
    }
}

/// What the report must say about `cases`.
pub fn expected(cases: &[SynthCase]) -> Expected {
    let mut e = Expected {
        cases: cases.len(),
        ..Default::default()
    };
    for (event, _) in EVENTS {
        e.events.insert(event.to_owned(), 0);
    }
    for c in cases {
        if c.form.is_none() {
            e.missing_form += 1;
        }
        match (c.poa, c.verdicts.last()) {
            (false, _) => e.missing_poa += 1,
            (true, None) => e.poa_not_acknowledged += 1,
            (true, Some(Verdict::Reject(_))) => e.poa_rejected += 1,
            (true, Some(Verdict::Accept)) => {}
        }
        if !c.complete() {
            continue;
        }
        let Some(form) = &c.form else { continue };
        e.complete += 1;
        let consent = &form["consent"];
        let id = &form["identity"];
        let place = match (consent["publish_city"].as_bool(), c.canonical_place) {
            (Some(true), Some(p)) => p.to_owned(),
            _ => {
                e.place_withheld += 1;
                PLACE_WITHHELD_RU.to_owned()
            }
        };
        let name = (consent["publish_name"] == true).then(|| c.full_name.clone());
        let age = if consent["publish_age"] == true {
            id["age"].as_u64()
        } else {
            None
        };
        e.places.entry(place).or_default().push((name, age));
        let incidents = form["incidents"].as_array().cloned().unwrap_or_default();
        let events: BTreeSet<String> = incidents
            .iter()
            .filter_map(|i| i["event"].as_str().map(str::to_owned))
            .collect();
        for ev in events {
            *e.events.entry(ev).or_default() += 1;
        }
        let detentions = incidents
            .iter()
            .filter(|i| match i["detained"].as_bool() {
                Some(d) => d,
                None => DETENTION_EVENTS.contains(&i["event"].as_str().unwrap_or("")),
            })
            .count();
        e.detentions += detentions;
        e.persons_detained += usize::from(detentions > 0);
        for a in form["administrative_cases"]
            .as_array()
            .into_iter()
            .flatten()
        {
            match a["outcome"].as_str() {
                Some("arrest") => {
                    e.administrative_arrests += 1;
                    e.arrest_days += a["arrest_days"].as_u64().unwrap_or(0);
                }
                Some("fine") => {
                    e.fines += 1;
                    e.fines_tenge += a["fine_tenge"].as_u64().unwrap_or(0);
                }
                _ => {}
            }
        }
        for k in form["criminal_cases"].as_array().into_iter().flatten() {
            e.criminal_cases += 1;
            *e.criminal_articles
                .entry(k["article"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
    }
    for v in e.places.values_mut() {
        v.sort();
    }
    e.place_count = e.places.keys().filter(|p| *p != PLACE_WITHHELD_RU).count();
    e
}

/// Reads the same figures back from the report's `figures.json`.
pub fn from_report(v: &Value) -> Expected {
    let count = |k: &str| v[k].as_u64().unwrap_or(u64::MAX) as usize;
    let mut places = BTreeMap::new();
    for pair in v["places"].as_array().into_iter().flatten() {
        let mut lines: AnnexLines = pair[1]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (p["name"].as_str().map(str::to_owned), p["age"].as_u64()))
            .collect();
        lines.sort();
        places.insert(pair[0].as_str().unwrap_or("").to_owned(), lines);
    }
    let map = |k: &str| -> BTreeMap<String, usize> {
        v[k].as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0) as usize))
            .collect()
    };
    let fu = &v["follow_up"];
    let len = |k: &str| fu[k].as_array().map(Vec::len).unwrap_or(usize::MAX);
    Expected {
        cases: count("cases"),
        complete: count("complete"),
        place_count: count("place_count"),
        place_withheld: count("place_withheld"),
        places,
        events: map("events"),
        detentions: count("detentions"),
        persons_detained: count("persons_detained"),
        administrative_arrests: count("administrative_arrests"),
        arrest_days: v["arrest_days"].as_u64().unwrap_or(u64::MAX),
        fines: count("fines"),
        fines_tenge: v["fines_tenge"].as_u64().unwrap_or(u64::MAX),
        criminal_cases: count("criminal_cases"),
        criminal_articles: map("criminal_articles"),
        missing_form: len("missing_form") + len("unreadable_form"),
        missing_poa: len("missing_poa"),
        poa_not_acknowledged: len("poa_not_acknowledged"),
        poa_rejected: len("poa_rejected"),
    }
}

/// One complainant with their own HOME submits `c` with the real `amanat submit`.
pub fn submit(server_args: &[String], c: &SynthCase) -> crate::SubmitOutput {
    let cli = crate::Cli::new();
    let mut args: Vec<String> = vec!["submit".into()];
    args.extend(server_args.iter().cloned());
    if let Some(form) = &c.form {
        std::fs::write(cli.path("appeal.json"), form.to_string()).unwrap();
        args.extend(["--form".into(), "appeal.json".into()]);
    }
    if c.poa {
        std::fs::write(cli.path("poa.jpg"), b"\xff\xd8\xff synthetic signed page").unwrap();
        args.extend(["--poa".into(), "poa.jpg".into()]);
    }
    let out = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    crate::parse_submit(&out)
}

/// Runs `f` over `items` on two threads (the machine has two cores), keeping order.
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let results: std::sync::Mutex<Vec<Option<R>>> =
        std::sync::Mutex::new((0..items.len()).map(|_| None).collect());
    let next = std::sync::Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_reproducible_and_varied() {
        let a = generate(150, 7);
        let b = generate(150, 7);
        assert_eq!(
            a.iter().map(|c| &c.full_name).collect::<Vec<_>>(),
            b.iter().map(|c| &c.full_name).collect::<Vec<_>>()
        );
        let e = expected(&a);
        assert!(e.complete > 80 && e.complete < 150, "{e:?}");
        assert!(e.missing_form > 0 && e.missing_poa > 0 && e.poa_rejected > 0);
        assert!(a.iter().any(|c| c.full_name.contains('ұ')));
        assert!(a.iter().any(|c| c.full_name.is_ascii()));
    }
}
