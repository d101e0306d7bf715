//! Text as people type it: NFC normalisation, a fold that makes Cyrillic, Kazakh and Latin
//! spellings of one name compare equal, and the detection of words that mix look-alike
//! letters from two scripts (a known trick to make one name look like another).

use std::borrow::Cow;

use icu_normalizer::ComposingNormalizerBorrowed;

/// NFC-normalises and trims `s`; the form of every string a form stores.
pub fn clean(s: &str) -> String {
    let nfc = ComposingNormalizerBorrowed::new_nfc().normalize(s);
    nfc.trim().to_owned()
}

/// NFC only (keeps surrounding white space).
pub fn nfc(s: &str) -> Cow<'_, str> {
    ComposingNormalizerBorrowed::new_nfc().normalize(s)
}

/// The writing system of a letter, as far as look-alikes are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
}

impl Script {
    pub fn of(c: char) -> Option<Script> {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF if c.is_alphabetic() => {
                Some(Script::Latin)
            }
            0x370..=0x3FF | 0x1F00..=0x1FFF if c.is_alphabetic() => Some(Script::Greek),
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F
                if c.is_alphabetic() =>
            {
                Some(Script::Cyrillic)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Cyrillic => "Cyrillic",
            Script::Greek => "Greek",
        }
    }
}

/// The words of `s` that mix letters of two or more scripts, e.g. `Аsel` with a Cyrillic
/// `А`. Whole-word Latin or Cyrillic is fine, and so is a sentence that mixes languages.
pub fn mixed_script_words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || is_combining(c)))
        .filter(|w| {
            let mut seen: Option<Script> = None;
            for c in w.chars() {
                match (seen, Script::of(c)) {
                    (_, None) => {}
                    (None, Some(s)) => seen = Some(s),
                    (Some(a), Some(b)) if a != b => return true,
                    _ => {}
                }
            }
            false
        })
        .map(str::to_owned)
        .collect()
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F)
}

/// Folds `s` for comparison and search: lower case, Cyrillic (Russian and Kazakh) and the
/// Kazakh Latin alphabets transliterated to one plain Latin spelling, so `Нұрлан Ерланұлы`,
/// `Нурлан Ерланулы`, `Nurlan Yerlanuly` and `NURLAN ERLANULY` fold alike.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in nfc(s).chars().flat_map(char::to_lowercase) {
        let t: &str = match c {
            'а' | 'ә' | 'ä' | 'á' | 'à' | 'â' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ғ' | 'ğ' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' | 'é' | 'è' | 'ê' | 'ë' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' | 'ı' | 'í' | 'ì' | 'ï' | 'î' => "i",
            'й' => "i",
            'к' | 'қ' | 'q' => "k",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' | 'ñ' => "n",
            'о' | 'ө' | 'ö' | 'ó' | 'ô' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' | 'ü' | 'ū' | 'ú' | 'û' => "u",
            'ф' => "f",
            'х' | 'һ' => "h",
            'ц' => "ts",
            'ч' | 'ç' => "ch",
            'ш' | 'ş' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' | 'y' => "y",
            'ю' => "yu",
            'я' => "ya",
            '’' | '\'' | '`' | 'ʼ' => "",
            '-' | '‐' | '–' | '—' => " ",
            c if is_combining(c) => "",
            c if c.is_whitespace() => " ",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(t);
    }
    // Latin spelling variants of the same sounds, applied once everything is Latin.
    let mut s = out
        .replace("kh", "h")
        .replace("gh", "g")
        .replace("ye", "e")
        .replace("iy", "i")
        .replace("yi", "i")
        .replace('y', "i")
        .replace('j', "zh")
        .replace('x', "ks")
        .replace('w', "v");
    // Doubled letters are spelled single as often as not (Алла/Ala, Сейіт/Seit); squeeze
    // them and the spaces.
    let mut squeezed = String::with_capacity(s.len());
    let mut last = None;
    for c in s.trim().chars() {
        if Some(c) != last || (c.is_numeric()) {
            squeezed.push(c);
        }
        last = Some(c);
    }
    s = squeezed;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_composes_kazakh_letters() {
        // Some keyboards send "й" as и + combining breve and "ё" as е + diaeresis.
        assert_eq!(clean("  и\u{306}  "), "й");
        assert_eq!(clean("Пете\u{308}мкин"), "Петёмкин");
        assert_eq!(clean("e\u{301}"), "é");
    }

    #[test]
    fn finds_mixed_script_words() {
        // Cyrillic А (U+0410) in an otherwise Latin word.
        assert_eq!(mixed_script_words("\u{410}sel Nurova"), ["\u{410}sel"]);
        // Latin o (U+006F) inside a Cyrillic word.
        assert_eq!(mixed_script_words("Ах\u{6F}ва"), ["Ах\u{6F}ва"]);
        assert!(mixed_script_words("Жақсыбекова Әйгерім, blogger in Алматы").is_empty());
        assert!(mixed_script_words("Yerlanuly-Ерланұлы").is_empty());
        assert!(mixed_script_words("Канарейкина12ab").len() == 1);
    }

    #[test]
    fn folds_spellings_together() {
        let a = fold("Нұрлан Ерланұлы");
        assert_eq!(a, fold("Нурлан Ерланулы"));
        assert_eq!(a, fold("Nurlan Yerlanuly"));
        assert_eq!(a, fold("NURLAN ERLANULY"));
        assert_eq!(fold("Қарағанды"), fold("Qaraghandy"));
        assert_eq!(fold("Жаңаөзен"), fold("Zhanaozen"));
        assert_eq!(fold("Жанар"), fold("Janar"));
        assert_eq!(fold("Хабаров"), fold("Khabarov"));
        assert_eq!(fold("Есенов"), fold("Yesenov"));
        assert_eq!(fold("Сейітқызы"), fold("Seitkyzy"));
        assert_eq!(fold("Әлия"), fold("Aliya"));
    }
}
