//! Vietnamese text folding for search: "Nguyễn Đức" and "nguyen duc" must find the same people.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for diacritic- and case-insensitive matching: tone marks and other diacritics removed,
/// đ/Đ → d, case folded, runs of whitespace made one space, ends trimmed.
///
/// Canonically equivalent inputs (NFC and NFD) fold to the same string, and folding twice changes nothing.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    // Lower-case after decomposition so that a letter whose lower case carries a mark (İ → i̇) loses it too.
    for c in text.nfd().flat_map(char::to_lowercase).nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'ð' => out.push('d'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    use super::fold;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(fold("ĐỨC"), "duc");
        assert_eq!(fold("Đặng  Thị\tHuỳnh "), "dang thi huynh");
        assert_eq!(fold("Thành phố Hồ Chí Minh"), "thanh pho ho chi minh");
        assert_eq!(fold("Phường Hoàn Kiếm"), "phuong hoan kiem");
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn nfc_and_nfd_fold_the_same(s in "\\PC{0,40}") {
            let nfc: String = s.nfc().collect();
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(fold(&nfc), fold(&nfd));
        }

        #[test]
        fn vietnamese_letters_fold_to_ascii(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ ]{0,40}") {
            prop_assert!(fold(&s).is_ascii());
        }
    }
}
